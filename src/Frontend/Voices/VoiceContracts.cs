using System.Text.Json.Serialization;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Frontend.Voices;

/// <summary>POST /v1/voices: a new named voice designed from a description.</summary>
public sealed record CreateVoiceRequest(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("language")] string? Language,
    [property: JsonPropertyName("seed")] ulong? Seed);

/// <summary>PATCH /v1/voices/{name}: fields to change; the stored prompt is derived again.</summary>
public sealed record UpdateVoiceRequest(
    [property: JsonPropertyName("description")] string? Description,
    [property: JsonPropertyName("language")] string? Language,
    [property: JsonPropertyName("seed")] ulong? Seed);

public sealed record VoiceResponse(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("seed")] ulong? Seed,
    [property: JsonPropertyName("cloned")] bool Cloned,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt,
    [property: JsonPropertyName("id")] string? Id = null,
    [property: JsonPropertyName("type")] string Type = VoiceTypes.Prompt,
    [property: JsonPropertyName("prompt_status")] string PromptStatus = "pending",
    [property: JsonPropertyName("derived_by")] string? DerivedBy = null)
{
    public static VoiceResponse Of(VoiceProfile p) => new("voice", p.Name, p.Description, p.Language, p.Seed, p.ClonePrompt is not null, p.CreatedAt, p.UpdatedAt,
        p.Id, p.Type, p.PromptStatus, p.ClonePrompt?.DerivedBy);

    public static VoiceResponse Of(VoiceSummary s) => new("voice", s.Name, s.Description, s.Language, s.Seed, s.Cloned, s.CreatedAt, s.UpdatedAt,
        s.Id, s.Type, s.PromptStatus, s.DerivedBy);
}

public sealed record ListResponse<T>(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<T> Data)
{
    public static ListResponse<T> Of(IReadOnlyList<T> data) => new("list", data);
}
