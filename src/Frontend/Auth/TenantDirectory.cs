using System.Collections.Concurrent;
using Npgsql;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Auth;

/// <summary>
/// Resolves API keys to tenants with a short cache, so a request does not cost a database round trip, and so known
/// keys keep working through a PostgreSQL outage (a cached answer is used up to <see cref="OutageGrace"/> old).
/// </summary>
public sealed class TenantDirectory(TenantStore store, TimeProvider clock)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan UnknownFresh = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan OutageGrace = TimeSpan.FromMinutes(30);

    private readonly ConcurrentDictionary<string, (Tenant? Tenant, DateTimeOffset At)> _cache = new(StringComparer.Ordinal);

    /// <summary>The key's tenant; null for an unknown or revoked key. Throws when the store is down and nothing is cached.</summary>
    public async Task<Tenant?> FindAsync(string key, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(key, out var cached) && now - cached.At < (cached.Tenant is null ? UnknownFresh : Fresh))
        {
            return cached.Tenant;
        }

        try
        {
            var tenant = await store.FindTenantByKeyAsync(key, cancellationToken);
            _cache[key] = (tenant, now);
            if (_cache.Count > 100_000)
            {
                _cache.Clear(); // bounded: a flood of random keys must not grow memory
            }

            return tenant;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && cached.Tenant is not null && now - cached.At < OutageGrace)
        {
            return cached.Tenant;
        }
    }

    /// <summary>Forgets cached answers (after revoking a key in this process).</summary>
    public void Clear() => _cache.Clear();
}
