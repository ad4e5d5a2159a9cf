namespace QwenTts.Storage.Voices;

/// <summary>A tenant's consent recording, as stored: its label, language and the recording's hash and length.</summary>
public sealed record VoiceConsent(
    string Id,
    string TenantId,
    string Name,
    string Language,
    byte[] RecordingSha256,
    double RecordingSeconds,
    int RecordingBytes,
    string ContentType,
    DateTimeOffset CreatedAt);

/// <summary>One page of a tenant's consents, newest first, and whether more follow.</summary>
public sealed record VoiceConsentPage(IReadOnlyList<VoiceConsent> Items, bool HasMore);
