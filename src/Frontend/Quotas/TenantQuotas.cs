using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Quotas;

/// <summary>
/// Per-tenant limits: requests per minute (a token bucket refilled continuously) and characters per UTC day (today's
/// metered usage from PostgreSQL, refreshed every minute, plus what this frontend admitted since).
/// </summary>
public sealed class TenantQuotas(UsageStore usage, TimeProvider clock) : IDisposable
{
    private static readonly TimeSpan Reload = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, TokenBucketRateLimiter> _buckets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CharacterCount> _characters = new(StringComparer.Ordinal);

    public sealed record Decision(bool Allowed, string? Reason = null, TimeSpan RetryAfter = default);

    public Decision AcquireRequest(Tenant tenant)
    {
        var bucket = _buckets.GetOrAdd($"{tenant.Id}:{tenant.RequestsPerMinute}", _ => new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            // A full minute's worth may burst; then one request every 60/rpm seconds.
            TokenLimit = tenant.RequestsPerMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(60.0 / tenant.RequestsPerMinute),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        using var lease = bucket.AttemptAcquire();
        return lease.IsAcquired
            ? new Decision(true)
            : new Decision(false, $"Tenant '{tenant.Id}' is limited to {tenant.RequestsPerMinute} requests per minute.",
                lease.TryGetMetadata(MetadataName.RetryAfter, out var retry) ? retry : TimeSpan.FromSeconds(1));
    }

    /// <summary>Counts <paramref name="characters"/> against today's quota if they fit.</summary>
    public async Task<Decision> ReserveCharactersAsync(Tenant tenant, int characters, CancellationToken cancellationToken)
    {
        var count = _characters.GetOrAdd(tenant.Id, _ => new CharacterCount());
        var today = clock.GetUtcNow().UtcDateTime.Date;
        if (count.Day != today || clock.GetUtcNow() - count.LoadedAt > Reload)
        {
            try
            {
                var used = await usage.CharactersSinceAsync(tenant.Id, new DateTimeOffset(today, TimeSpan.Zero), cancellationToken);
                lock (count)
                {
                    count.Used = count.Day == today ? Math.Max(count.Used, used) : used;
                    count.Day = today;
                    count.LoadedAt = clock.GetUtcNow();
                }
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                // Metering store down: keep counting locally rather than refuse every request.
                lock (count)
                {
                    if (count.Day != today)
                    {
                        (count.Day, count.Used) = (today, 0);
                    }
                }
            }
        }

        lock (count)
        {
            if (count.Used + characters > tenant.CharactersPerDay)
            {
                var tomorrow = new DateTimeOffset(today.AddDays(1), TimeSpan.Zero);
                return new Decision(false,
                    $"Tenant '{tenant.Id}' has used {count.Used} of {tenant.CharactersPerDay} characters today; this request needs {characters}.",
                    tomorrow - clock.GetUtcNow());
            }

            count.Used += characters;
            return new Decision(true);
        }
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets.Values)
        {
            bucket.Dispose();
        }
    }

    private sealed class CharacterCount
    {
        public DateTime Day { get; set; }

        public long Used { get; set; }

        public DateTimeOffset LoadedAt { get; set; } = DateTimeOffset.MinValue;
    }
}
