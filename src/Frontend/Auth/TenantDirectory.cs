using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Auth;

/// <summary>What the directory knows of a presented key.</summary>
public enum KeyStatus
{
    Valid,
    Unknown,
    Revoked,
    Unavailable,
}

public sealed record KeyLookup(KeyStatus Status, Tenant? Tenant = null, string? Reason = null);

/// <summary>
/// Resolves API keys to tenants from memory: every key's hash, loaded by <see cref="KeyCacheRefresher"/>, so a request
/// costs no database round trip and known keys keep working through a PostgreSQL outage, for at most
/// <see cref="KeyCacheOptions.MaxKeyStaleness"/> after the copy was taken. A key missing from the copy (made since the
/// last refresh) is looked up in PostgreSQL; when PostgreSQL is down that key gets 503, not 401, since it may be valid.
/// </summary>
public sealed class TenantDirectory(TenantStore store, TimeProvider clock, IOptions<KeyCacheOptions> options)
{
    private static readonly TimeSpan UnknownFresh = TimeSpan.FromSeconds(5);
    private const int MaxUnknown = 100_000;

    private sealed record Entry(KnownApiKey Key, DateTimeOffset At);

    private ConcurrentDictionary<string, Entry> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _unknown = new(StringComparer.Ordinal);

    /// <summary>When the keys in memory were taken; null before the first refresh or snapshot.</summary>
    public DateTimeOffset? TakenAt { get; private set; }

    public int Count => _known.Count;

    /// <summary>Replaces every known key at once (a refresh, or the snapshot loaded at start).</summary>
    public void Replace(KeySnapshot snapshot)
    {
        _known = new ConcurrentDictionary<string, Entry>(
            snapshot.Keys.Select(k => KeyValuePair.Create(k.HashHex, new Entry(k, snapshot.TakenAt))), StringComparer.Ordinal);
        _unknown.Clear();
        TakenAt = snapshot.TakenAt;
    }

    public async Task<KeyLookup> FindAsync(string key, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var hash = ApiKeyFormat.HashHex(key);
        var known = _known;
        var maxStaleness = options.Value.MaxKeyStaleness;
        if (known.TryGetValue(hash, out var entry) && now - entry.At <= maxStaleness)
        {
            return entry.Key.Revoked ? new KeyLookup(KeyStatus.Revoked) : new KeyLookup(KeyStatus.Valid, entry.Key.Tenant);
        }

        if (_unknown.TryGetValue(hash, out var refusedAt) && now - refusedAt < UnknownFresh)
        {
            return new KeyLookup(KeyStatus.Unknown);
        }

        Tenant? tenant;
        try
        {
            tenant = await store.FindTenantByKeyAsync(key, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            var reason = entry is null
                ? $"the key store (PostgreSQL) is unavailable and this frontend has not seen this key ({ex.Message})"
                : $"the key store (PostgreSQL) is unavailable and this frontend's copy of the key is older than {maxStaleness} ({ex.Message})";
            return new KeyLookup(KeyStatus.Unavailable, Reason: reason);
        }

        if (tenant is null)
        {
            if (_unknown.Count >= MaxUnknown)
            {
                _unknown.Clear(); // bounded: a flood of random keys must not grow memory
            }

            _unknown[hash] = now;
            return new KeyLookup(KeyStatus.Unknown);
        }

        known[hash] = new Entry(new KnownApiKey(hash, tenant, Revoked: false), now);
        return new KeyLookup(KeyStatus.Valid, tenant);
    }
}
