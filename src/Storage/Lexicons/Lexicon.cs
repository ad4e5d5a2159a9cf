using System.Text.Json.Serialization;

namespace QwenTts.Storage.Lexicons;

/// <summary>A tenant's named pronunciation lexicon, as stored.</summary>
public sealed record Lexicon(string TenantId, string Name, IReadOnlyList<LexiconEntry> Entries, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Written <see cref="Grapheme"/> spoken as <see cref="Alias"/>.</summary>
public sealed record LexiconEntry(
    [property: JsonPropertyName("grapheme")] string Grapheme,
    [property: JsonPropertyName("alias")] string Alias);
