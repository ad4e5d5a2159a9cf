namespace QwenTts.Storage.Voices;

/// <summary>
/// A tenant's consent recording, as stored: its label, language, the recording's hash and length, and its speaker
/// embedding (the Base model's x-vector; null for consents made before speakers were compared), never the audio.
/// </summary>
public sealed record VoiceConsent(
    string Id,
    string TenantId,
    string Name,
    string Language,
    byte[] RecordingSha256,
    double RecordingSeconds,
    int RecordingBytes,
    string ContentType,
    DateTimeOffset CreatedAt,
    float[]? SpeakerEmbedding = null);

/// <summary>One page of a tenant's consents, newest first, and whether more follow.</summary>
public sealed record VoiceConsentPage(IReadOnlyList<VoiceConsent> Items, bool HasMore);
