namespace QwenTts.Frontend.Lexicons;

/// <summary>How large a tenant's lexicons may be (section "Lexicons"); each is a 400 naming the limit.</summary>
public sealed class LexiconLimits
{
    public const string Section = "Lexicons";

    public int MaxLexiconsPerTenant { get; set; } = 50;

    public int MaxEntriesPerLexicon { get; set; } = 1000;

    public int MaxGraphemeCharacters { get; set; } = 100;

    public int MaxAliasCharacters { get; set; } = 200;

    /// <summary>Lexicons one request may name.</summary>
    public int MaxLexiconsPerRequest { get; set; } = 10;
}
