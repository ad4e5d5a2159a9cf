namespace QwenTts.Storage.Tenants;

/// <summary>
/// A customer of the service, its quotas and its policies: <paramref name="ReferenceCloning"/> opens one-shot cloning from
/// ref_audio on /v1/audio/speech (off for new tenants; an operator turns it on); <paramref name="AiNotice"/> is the
/// explicit AI-content label put at the start of the tenant's audio (<see cref="AiNotices"/>).
/// </summary>
public sealed record Tenant(string Id, string DisplayName, int RequestsPerMinute, long CharactersPerDay, DateTimeOffset CreatedAt, bool Disabled,
    bool ReferenceCloning = false, string AiNotice = AiNotices.Off);

/// <summary>The explicit AI-content labels a tenant may have (GB 45438-2025): none, or the Morse rhythm short-long-short-short.</summary>
public static class AiNotices
{
    public const string Off = "off";
    public const string Morse = "morse";

    public static readonly string[] All = [Off, Morse];
}

/// <summary>An API key as operators see it: never the key itself, only its prefix.</summary>
public sealed record ApiKeyInfo(long Id, string TenantId, string Prefix, string Label, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <summary>A key as frontends keep it in memory and in their snapshot: its SHA-256 in hex (never the key), its tenant, and
/// whether it is revoked (or its tenant disabled).</summary>
public sealed record KnownApiKey(string HashHex, Tenant Tenant, bool Revoked);

/// <summary>A freshly made key: the only moment its full text exists.</summary>
public sealed record NewApiKey(string Key, ApiKeyInfo Info);

/// <summary>One metered request.</summary>
public sealed record UsageRecord(
    string RequestId,
    string TenantId,
    string Endpoint,
    int Characters,
    double AudioSeconds,
    string Devices,
    string? Voice,
    string Status,
    DateTimeOffset RecordedAt);
