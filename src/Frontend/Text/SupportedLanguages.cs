namespace QwenTts.Frontend.Text;

/// <summary>
/// The languages of Qwen3-TTS-12Hz, as the API names them, plus "auto". Callers may also give ISO 639-1 codes or
/// BCP 47 tags (en, zh-CN, pt-BR ...), case-insensitive; the region is accepted and dropped, the model has one voice a language.
/// </summary>
public static class SupportedLanguages
{
    public const string Auto = "auto";

    public static readonly string[] All =
        ["chinese", "english", "japanese", "korean", "german", "french", "russian", "portuguese", "spanish", "italian"];

    private static readonly Dictionary<string, string> Codes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["zh"] = "chinese", ["en"] = "english", ["ja"] = "japanese", ["ko"] = "korean", ["de"] = "german",
        ["fr"] = "french", ["ru"] = "russian", ["pt"] = "portuguese", ["es"] = "spanish", ["it"] = "italian",
    };

    public static bool IsSupported(string language) => Canonical(language) is not null;

    /// <summary>The model's name for a language name, code or tag; null when it is none of them.</summary>
    public static string? Canonical(string? language)
    {
        var trimmed = language?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            return null;
        }

        var lower = trimmed.ToLowerInvariant();
        if (lower == Auto || All.Contains(lower))
        {
            return lower;
        }

        var dash = lower.IndexOfAny(['-', '_']);
        var primary = dash > 0 ? lower[..dash] : lower;
        return Codes.GetValueOrDefault(primary);
    }

    public static string Describe() => $"auto, one of {string.Join(", ", All)}, or an ISO code ({string.Join(", ", Codes.Keys)}; a region such as zh-CN is accepted)";
}
