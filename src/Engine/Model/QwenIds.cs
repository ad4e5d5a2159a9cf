namespace QwenTts.Engine.Model;

/// <summary>Text-track special ids (fed by id, never produced by tokenizing text).</summary>
public sealed record TextIds
{
    public int ImStart { get; init; } = 151644;

    public int ImEnd { get; init; } = 151645;

    public int Assistant { get; init; } = 77091;

    public int TtsPad { get; init; } = 151671;

    public int TtsBos { get; init; } = 151672;

    public int TtsEos { get; init; } = 151673;
}

/// <summary>Codec-track special ids. Audio codes are 0..2047.</summary>
public sealed record CodecIds
{
    public int Pad { get; init; } = 2148;

    public int Bos { get; init; } = 2149;

    public int Eos { get; init; } = 2150;

    public int Think { get; init; } = 2154;

    public int NoThink { get; init; } = 2155;

    public int ThinkBos { get; init; } = 2156;

    public int ThinkEos { get; init; } = 2157;
}

public static class QwenIds
{
    /// <summary>Codec language ids of Qwen3-TTS-12Hz (CustomVoice adds the dialects sichuan 2062, beijing 2074).</summary>
    public static IReadOnlyDictionary<string, int> Languages { get; } = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase)
    {
        ["english"] = 2050,
        ["german"] = 2053,
        ["spanish"] = 2054,
        ["chinese"] = 2055,
        ["japanese"] = 2058,
        ["french"] = 2061,
        ["korean"] = 2064,
        ["russian"] = 2069,
        ["italian"] = 2070,
        ["portuguese"] = 2071,
    };

    public const string AutoLanguage = "auto";
}
