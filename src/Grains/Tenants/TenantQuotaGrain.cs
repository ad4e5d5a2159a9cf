using Microsoft.Extensions.Logging;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Storage.Tenants;

namespace QwenTts.Grains.Tenants;

/// <summary>
/// A tenant's quotas, one activation for the cluster, so two frontends share one allowance exactly. The day's count
/// starts from the usage metered in PostgreSQL (the source of truth, written by the frontends) and adds reservations
/// and leased characters as they are granted; what comes back unspent is taken off. Leases are persisted (one row per
/// holder) so that if the activation moves (its silo died) the new one counts the metered usage plus what frontends
/// still hold, and never grants a block twice. While PostgreSQL is unreachable the grain counts from what it knows
/// rather than refuse every request, and reads the metered usage again a minute later.
/// </summary>
public sealed partial class TenantQuotaGrain(UsageStore usage, QuotaLeaseStore leaseStore, TimeProvider clock, ILogger<TenantQuotaGrain> logger)
    : Grain, ITenantQuotaGrain
{
    private static readonly TimeSpan RetryBaselineAfter = TimeSpan.FromMinutes(1);

    /// <summary>How long a lease may be spent after the request that got it; longer than a dead silo takes to be declared dead.</summary>
    private static readonly TimeSpan LeaseFor = TimeSpan.FromSeconds(60);

    /// <summary>The row outlives the holder's own view of the lease (it counts from when it asked).</summary>
    private static readonly TimeSpan RowMargin = TimeSpan.FromSeconds(15);

    /// <summary>A lease write waits at most this long: the grain answers from memory while PostgreSQL is slow or down.</summary>
    private static readonly TimeSpan StoreTimeout = TimeSpan.FromSeconds(1);

    /// <summary>After a failed lease write, leases are counted here only for this long before the store is tried again.</summary>
    private static readonly TimeSpan StoreRetryAfter = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, QuotaLeaseStore.Lease> _leases = [];

    /// <summary>Holders whose lease this activation took over from the store (their reserved count is as of their last save).</summary>
    private readonly HashSet<string> _inherited = [];
    private DateTimeOffset _storeDownUntil = DateTimeOffset.MinValue;
    private RequestBucket? _bucket;
    private DateOnly _day;
    private long _used;
    private bool _baselineRead;
    private DateTimeOffset _baselineTriedAt = DateTimeOffset.MinValue;

    public Task<QuotaDecision> AcquireRequestAsync(int requestsPerMinute)
    {
        var now = clock.GetUtcNow();
        var (taken, retryAfter) = Bucket(requestsPerMinute, now).TryTake(now);
        return Task.FromResult(taken
            ? new QuotaDecision(true)
            : new QuotaDecision(false, $"Tenant '{this.GetPrimaryKeyString()}' is limited to {requestsPerMinute} requests per minute.", retryAfter));
    }

    public async Task<QuotaDecision> ReserveCharactersAsync(long charactersPerDay, int characters)
    {
        await CatchUpAsync();
        if (_used + characters > charactersPerDay)
        {
            return CharactersRefused(charactersPerDay, characters);
        }

        _used += characters;
        return new QuotaDecision(true, Reservation: new CharacterReservation(_day, characters));
    }

    public async Task<QuotaLease> LeaseAsync(QuotaLeaseRequest request)
    {
        await CatchUpAsync();
        var now = clock.GetUtcNow();
        var known = _leases.TryGetValue(request.Holder, out var held) && held.LeaseId == request.LeaseId && held.Day == _day;
        var lease = known
            ? held! with { Reserved = Math.Clamp(request.ReservedCharacters, 0, held.Characters) }
            : new QuotaLeaseStore.Lease(request.Holder, Guid.NewGuid(), _day, 0, 0, now);
        if (known && _inherited.Remove(request.Holder))
        {
            // Taken over from the store with what the holder had reserved at its last save: what it reserved since then is
            // requests, metered like any (the baseline may hold them already), not a rest of the block.
            _used = Math.Max(0, _used - Math.Clamp(lease.Reserved - held!.Reserved, 0, held.Outstanding));
        }

        // A holder that starts a new lease has given back what it did not spend of its old one (ReturnLeaseAsync); if that
        // return was lost, its rest stays counted (never granted twice) until midnight.
        var (tokens, tokensRetryAfter) = Bucket(request.RequestsPerMinute, now).TryTake(request.NeededTokens, request.ExtraTokens, now);
        var tokenRefusal = request.NeededTokens > 0 && tokens == 0
            ? new QuotaDecision(false, $"Tenant '{this.GetPrimaryKeyString()}' is limited to {request.RequestsPerMinute} requests per minute.", tokensRetryAfter)
            : null;

        var free = request.CharactersPerDay - _used;
        var characters = 0L;
        QuotaDecision? characterRefusal = null;
        if (request.NeededCharacters > free)
        {
            characterRefusal = CharactersRefused(request.CharactersPerDay, request.NeededCharacters);
        }
        else
        {
            // Extra only while the rest is sixteen times as large: near its limit a tenant is counted request by request.
            characters = request.NeededCharacters + (request.ExtraCharacters > 0 && free - request.NeededCharacters >= 16 * request.ExtraCharacters ? request.ExtraCharacters : 0);
        }

        _used += characters;
        lease = lease with { Characters = lease.Characters + characters, ExpiresAt = now + LeaseFor + RowMargin };
        _leases[request.Holder] = lease;
        await TryStoreAsync(lease.Holder, token => leaseStore.SaveAsync(this.GetPrimaryKeyString(), lease, token));
        return new QuotaLease(lease.LeaseId, _day, tokens, characters, LeaseFor, tokenRefusal, characterRefusal);
    }

    public async Task ReturnLeaseAsync(QuotaLeaseReturn returned)
    {
        await CatchUpAsync(); // a new activation first takes over the leases still out, this one among them
        if (returned.Tokens > 0 && _bucket is not null)
        {
            _bucket.Give(returned.Tokens, clock.GetUtcNow());
        }

        if (!_leases.TryGetValue(returned.Holder, out var held) || held.LeaseId != returned.LeaseId)
        {
            return;
        }

        _leases.Remove(returned.Holder);
        _inherited.Remove(returned.Holder);
        if (held.Day == _day)
        {
            _used = Math.Max(0, _used - Math.Clamp(returned.Characters, 0, held.Outstanding));
        }

        await TryStoreAsync(held.Holder, token => leaseStore.RemoveAsync(this.GetPrimaryKeyString(), held.Holder, held.LeaseId, token));
    }

    public async Task ReleaseCharactersAsync(CharacterReservation reservation)
    {
        await CatchUpAsync();
        if (reservation.Day == _day)
        {
            _used = Math.Max(0, _used - reservation.Characters);
        }
    }

    public async Task<long> CharactersUsedTodayAsync()
    {
        await CatchUpAsync();
        return _used;
    }

    private RequestBucket Bucket(int requestsPerMinute, DateTimeOffset now)
    {
        if (_bucket is null || _bucket.RequestsPerMinute != Math.Max(1, requestsPerMinute))
        {
            _bucket = new RequestBucket(Math.Max(1, requestsPerMinute), now);
        }

        return _bucket;
    }

    private QuotaDecision CharactersRefused(long charactersPerDay, long characters)
    {
        var tomorrow = new DateTimeOffset(_day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return new QuotaDecision(false,
            $"Tenant '{this.GetPrimaryKeyString()}' has used {_used} of {charactersPerDay} characters today; this request needs {characters}.",
            tomorrow - clock.GetUtcNow());
    }

    /// <summary>
    /// A lease write, before the grant or return is answered, so a new activation counts it. While PostgreSQL is slow or
    /// down the lease is counted here only (the grain is not held up: one call at a time runs on it), and the store is
    /// left alone for a while.
    /// </summary>
    private async Task TryStoreAsync(string holder, Func<CancellationToken, Task> write)
    {
        if (clock.GetUtcNow() < _storeDownUntil)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(StoreTimeout);
        try
        {
            await write(timeout.Token);
        }
        catch (Exception ex) when (IsStoreFailure(ex) || ex is OperationCanceledException)
        {
            _storeDownUntil = clock.GetUtcNow() + StoreRetryAfter;
            LogLeaseNotSaved(this.GetPrimaryKeyString(), holder, ex.Message);
        }
    }

    private static bool IsStoreFailure(Exception ex) => ex is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException;

    /// <summary>Starts a new count at midnight UTC and (re)reads the metered usage until one read succeeds.</summary>
    private async Task CatchUpAsync()
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (today != _day)
        {
            (_day, _used, _baselineRead, _baselineTriedAt) = (today, 0, false, DateTimeOffset.MinValue);
            _leases.Clear();
            _inherited.Clear();
        }

        if (_baselineRead || now - _baselineTriedAt < RetryBaselineAfter)
        {
            return;
        }

        _baselineTriedAt = now;
        try
        {
            var tenant = this.GetPrimaryKeyString();
            var metered = await usage.CharactersSinceAsync(tenant, new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            await leaseStore.RemoveExpiredAsync(tenant, now - TimeSpan.FromDays(1));
            var inherited = (await leaseStore.OutstandingAsync(tenant, today, now)).Where(l => !_leases.ContainsKey(l.Holder)).ToList();
            // Reservations counted while the store was unreachable may be in the metered sum already: the larger of the two.
            // Blocks frontends still hold from an earlier activation are not metered yet: counted on top.
            // Characters out on this activation's own leases are not metered yet either: kept apart from the comparison.
            var leasedOut = _leases.Values.Sum(l => l.Outstanding);
            _used = Math.Max(_used - leasedOut, metered) + leasedOut + inherited.Sum(l => l.Outstanding);
            foreach (var lease in inherited)
            {
                _leases[lease.Holder] = lease;
                _inherited.Add(lease.Holder);
            }

            _baselineRead = true;
        }
        catch (Exception ex) when (IsStoreFailure(ex))
        {
            LogBaselineUnavailable(this.GetPrimaryKeyString(), ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota of tenant {Tenant}: the lease of {Holder} is counted here only, not saved: {Reason}")]
    private partial void LogLeaseNotSaved(string tenant, string holder, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota of tenant {Tenant}: metered usage unreadable, counting from reservations only for now: {Reason}")]
    private partial void LogBaselineUnavailable(string tenant, string reason);
}
