using System.Text.Json.Serialization;
using QwenTts.Grains.Interfaces.Voices;
using QwenTts.Storage.Voices;

namespace QwenTts.Frontend.Voices;

/// <summary>
/// POST /v1/audio/voices as JSON (OpenAI's prompt voice: type, name, prompt, script_hint, model). language is our
/// addition (the voice's language; ISO codes too); audio_sample voices come as multipart only, as in OpenAI's API.
/// </summary>
public sealed record CreateAudioVoiceRequest(
    [property: JsonPropertyName("type")] string? Type,
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("prompt")] string? Prompt,
    [property: JsonPropertyName("script_hint")] string? ScriptHint,
    [property: JsonPropertyName("model")] string? Model,
    [property: JsonPropertyName("language")] string? Language);

/// <summary>
/// OpenAI's voice object (id, object, created_at in Unix seconds, name, type, prompt), plus ours: language, how the
/// stored prompt stands (prompt_status "ready" or "pending", prompt_problem, derived_by), and for a voice from a recording
/// how close its speaker came to the consent recording's (consent_similarity, the cosine of the speaker embeddings).
/// </summary>
public sealed record AudioVoiceResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("prompt"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Prompt,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("prompt_status")] string PromptStatus,
    [property: JsonPropertyName("prompt_problem"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PromptProblem,
    [property: JsonPropertyName("derived_by"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DerivedBy,
    [property: JsonPropertyName("consent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Consent,
    [property: JsonPropertyName("prompt_fingerprint"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PromptFingerprint = null,
    [property: JsonPropertyName("consent_similarity"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? ConsentSimilarity = null)
{
    public static AudioVoiceResponse Of(VoiceProfile p) => new(p.Id ?? p.Name, "audio.voice", p.CreatedAt.ToUnixTimeSeconds(), p.DisplayName ?? p.Name,
        p.Type, p.Type == VoiceTypes.Prompt ? p.Description : null, p.Language, p.PromptStatus, p.ClonePrompt is null ? p.PromptProblem : null,
        p.ClonePrompt?.DerivedBy, p.ConsentId, p.ClonePrompt?.Fingerprint(), p.ConsentSimilarity);

    public static AudioVoiceResponse Of(VoiceSummary s) => new(s.Id ?? s.Name, "audio.voice", s.CreatedAt.ToUnixTimeSeconds(), s.DisplayName ?? s.Name,
        s.Type, s.Type == VoiceTypes.Prompt ? s.Description : null, s.Language, s.PromptStatus, null, s.DerivedBy, null);
}

public sealed record DeletedResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("deleted")] bool Deleted);

/// <summary>PATCH-less update of a consent, as OpenAI does it: POST /v1/audio/voice_consents/{id} with a new name.</summary>
public sealed record UpdateConsentRequest([property: JsonPropertyName("name")] string? Name);

/// <summary>OpenAI's voice consent object, plus the recording's length and hash that we keep for audit.</summary>
public sealed record VoiceConsentResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("language")] string Language,
    [property: JsonPropertyName("recording_seconds")] double RecordingSeconds,
    [property: JsonPropertyName("recording_sha256")] string RecordingSha256)
{
    public static VoiceConsentResponse Of(VoiceConsent c) => new(c.Id, "audio.voice_consent", c.CreatedAt.ToUnixTimeSeconds(), c.Name, c.Language,
        c.RecordingSeconds, Convert.ToHexStringLower(c.RecordingSha256));
}

/// <summary>OpenAI's cursor page: data, first_id, last_id, has_more.</summary>
public sealed record CursorPageResponse<T>(
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("data")] IReadOnlyList<T> Data,
    [property: JsonPropertyName("first_id")] string? FirstId,
    [property: JsonPropertyName("last_id")] string? LastId,
    [property: JsonPropertyName("has_more")] bool HasMore);
