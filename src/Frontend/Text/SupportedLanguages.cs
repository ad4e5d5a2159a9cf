namespace QwenTts.Frontend.Text;

/// <summary>The languages of Qwen3-TTS-12Hz, as the API names them, plus "auto".</summary>
public static class SupportedLanguages
{
    public const string Auto = "auto";

    public static readonly string[] All =
        ["chinese", "english", "japanese", "korean", "german", "french", "russian", "portuguese", "spanish", "italian"];

    public static bool IsSupported(string language) => language == Auto || All.Contains(language);
}
