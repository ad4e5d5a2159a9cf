using Microsoft.Extensions.Logging;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Storage.Tenants;

namespace QwenTts.Grains.Tenants;

/// <summary>
/// A tenant's quotas, one activation for the cluster, so two frontends share one allowance exactly. The day's count
/// starts from the usage metered in PostgreSQL (the source of truth, written by the frontends) and adds reservations
/// as they are made; a reservation whose request produced no audio is given back. Nothing else is persisted: if the
/// activation moves (its silo died) the count is read again from PostgreSQL. While PostgreSQL is unreachable the grain
/// counts from what it knows rather than refuse every request, and reads the metered usage again a minute later.
/// </summary>
public sealed partial class TenantQuotaGrain(UsageStore usage, TimeProvider clock, ILogger<TenantQuotaGrain> logger) : Grain, ITenantQuotaGrain
{
    private static readonly TimeSpan RetryBaselineAfter = TimeSpan.FromMinutes(1);
    private RequestBucket? _bucket;
    private DateOnly _day;
    private long _used;
    private bool _baselineRead;
    private DateTimeOffset _baselineTriedAt = DateTimeOffset.MinValue;

    public Task<QuotaDecision> AcquireRequestAsync(int requestsPerMinute)
    {
        var now = clock.GetUtcNow();
        if (_bucket is null || _bucket.RequestsPerMinute != requestsPerMinute)
        {
            _bucket = new RequestBucket(Math.Max(1, requestsPerMinute), now);
        }

        var (taken, retryAfter) = _bucket.TryTake(now);
        return Task.FromResult(taken
            ? new QuotaDecision(true)
            : new QuotaDecision(false, $"Tenant '{this.GetPrimaryKeyString()}' is limited to {requestsPerMinute} requests per minute.", retryAfter));
    }

    public async Task<QuotaDecision> ReserveCharactersAsync(long charactersPerDay, int characters)
    {
        await CatchUpAsync();
        if (_used + characters > charactersPerDay)
        {
            var tomorrow = new DateTimeOffset(_day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return new QuotaDecision(false,
                $"Tenant '{this.GetPrimaryKeyString()}' has used {_used} of {charactersPerDay} characters today; this request needs {characters}.",
                tomorrow - clock.GetUtcNow());
        }

        _used += characters;
        return new QuotaDecision(true, Reservation: new CharacterReservation(_day, characters));
    }

    public Task ReleaseCharactersAsync(CharacterReservation reservation)
    {
        if (reservation.Day == _day)
        {
            _used = Math.Max(0, _used - reservation.Characters);
        }

        return Task.CompletedTask;
    }

    public async Task<long> CharactersUsedTodayAsync()
    {
        await CatchUpAsync();
        return _used;
    }

    /// <summary>Starts a new count at midnight UTC and (re)reads the metered usage until one read succeeds.</summary>
    private async Task CatchUpAsync()
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (today != _day)
        {
            (_day, _used, _baselineRead, _baselineTriedAt) = (today, 0, false, DateTimeOffset.MinValue);
        }

        if (_baselineRead || now - _baselineTriedAt < RetryBaselineAfter)
        {
            return;
        }

        _baselineTriedAt = now;
        try
        {
            var metered = await usage.CharactersSinceAsync(this.GetPrimaryKeyString(), new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
            // Reservations counted while the store was unreachable may be in the metered sum already: the larger of the two.
            _used = Math.Max(_used, metered);
            _baselineRead = true;
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            LogBaselineUnavailable(this.GetPrimaryKeyString(), ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota of tenant {Tenant}: metered usage unreadable, counting from reservations only for now: {Reason}")]
    private partial void LogBaselineUnavailable(string tenant, string reason);
}
