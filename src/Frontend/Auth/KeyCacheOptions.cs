namespace QwenTts.Frontend.Auth;

/// <summary>
/// How the frontend keeps API keys (section <c>Auth</c>). Every key's hash, tenant, quotas and revocation state is
/// reloaded from PostgreSQL every <see cref="KeyRefreshInterval"/>, so revocations apply from the next refresh. While
/// PostgreSQL is unreachable the last copy keeps serving for at most <see cref="MaxKeyStaleness"/> after it was taken.
/// </summary>
public sealed record KeyCacheOptions
{
    public const string Section = "Auth";

    public TimeSpan KeyRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxKeyStaleness { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Folder for the snapshot of key hashes written after each refresh and read when the frontend starts while
    /// PostgreSQL is down; unset means no snapshot. Holds hashes, never keys.
    /// </summary>
    public string? KeySnapshotDirectory { get; init; }

    public bool IsValid => KeyRefreshInterval > TimeSpan.Zero && MaxKeyStaleness >= KeyRefreshInterval;
}
