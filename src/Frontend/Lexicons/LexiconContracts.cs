using System.Text.Json.Serialization;
using QwenTts.Storage.Lexicons;

namespace QwenTts.Frontend.Lexicons;

/// <summary>POST /v1/lexicons (name and entries) and PUT /v1/lexicons/{name} (entries; a name, if sent, must match).</summary>
public sealed record LexiconRequest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("entries")] LexiconEntry[]? Entries);

/// <summary>A lexicon with its entries; created_at and updated_at in Unix seconds.</summary>
public sealed record LexiconResponse(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("entries")] IReadOnlyList<LexiconEntry> Entries,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("updated_at")] long UpdatedAt)
{
    public static LexiconResponse Of(Lexicon lexicon) => new("lexicon", lexicon.Name, lexicon.Entries, lexicon.CreatedAt.ToUnixTimeSeconds(),
        lexicon.UpdatedAt.ToUnixTimeSeconds());
}

/// <summary>A lexicon in GET /v1/lexicons: its name and size, without its entries.</summary>
public sealed record LexiconSummary(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("entry_count")] int EntryCount,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("updated_at")] long UpdatedAt)
{
    public static LexiconSummary Of(Lexicon lexicon) => new("lexicon", lexicon.Name, lexicon.Entries.Count, lexicon.CreatedAt.ToUnixTimeSeconds(),
        lexicon.UpdatedAt.ToUnixTimeSeconds());
}

public sealed record LexiconList(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<LexiconSummary> Data);

public sealed record LexiconDeleted(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("deleted")] bool Deleted);
