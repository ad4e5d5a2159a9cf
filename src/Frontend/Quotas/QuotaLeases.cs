using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Hosting;
using QwenTts.Frontend.Metrics;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Quotas;

/// <summary>
/// This frontend's leases of its tenants' allowances (see <see cref="QuotaLeaseOptions"/>). A request takes from the
/// tenant's block; an empty or expired block asks the grain while the request waits; a block running low is topped up
/// in the background, so while the grain is unreachable the block carries the tenant's requests until it expires.
/// Blocks idle for a while, and all of them at shutdown, go back to the grain.
/// </summary>
public sealed partial class QuotaLeases(IClusterClient cluster, IOptions<QuotaLeaseOptions> options, TimeProvider clock, IMeterFactory meters,
    ILogger<QuotaLeases> logger) : BackgroundService
{
    private static readonly TimeSpan ReturnTimeout = TimeSpan.FromSeconds(3);

    /// <summary>A request that finds the ask before it gave up this recently fails at once rather than wait as long again.</summary>
    private static readonly TimeSpan GaveUpRecently = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<string, TenantLease> _leases = new(StringComparer.Ordinal);
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly long _start = clock.GetTimestamp();
    private readonly Counter<long> _calls = meters.Create(FrontendMetrics.MeterName).CreateCounter<long>("qwentts.quota.lease_calls",
        description: "Calls to tenants' quota grains for a lease, by kind (waited: a request waited for it; background: a top-up) and outcome (ok, failed)");

    private QuotaLeaseOptions Options => options.Value;

    public async Task<QuotaDecision> AcquireRequestAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var lease = For(tenant);
        if (lease.TryTakeToken(Now, Today))
        {
            TopUpIfLow(tenant, lease);
            return new QuotaDecision(true);
        }

        var (token, _, grant) = await WithGrantAsync(tenant, lease, tokens: 1, characters: null, cancellationToken);
        return token ? new QuotaDecision(true) : grant!.TokenRefusal ?? throw Unfilled();
    }

    public async Task<QuotaDecision> ReserveCharactersAsync(Tenant tenant, int characters, CancellationToken cancellationToken)
    {
        var lease = For(tenant);
        if (lease.TryReserve(characters, Now, Today) is { } reservation)
        {
            TopUpIfLow(tenant, lease);
            return new QuotaDecision(true, Reservation: reservation);
        }

        var (_, reserved, grant) = await WithGrantAsync(tenant, lease, tokens: 0, characters, cancellationToken);
        return reserved is not null ? new QuotaDecision(true, Reservation: reserved) : grant!.CharacterRefusal ?? throw Unfilled();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5), clock);
        while (await NextTickAsync(timer, stoppingToken))
        {
            foreach (var (tenant, lease) in _leases)
            {
                if (lease.IdleSince(Now, Options.IdleAfter) && await lease.Gate.WaitAsync(0, CancellationToken.None))
                {
                    try
                    {
                        await ReturnAsync(tenant, lease);
                    }
                    finally
                    {
                        lease.Gate.Release();
                    }
                }
            }
        }
    }

    /// <summary>Gives every block back, so the other frontends can spend it (after any ask in flight has landed).</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(_leases.Select(async entry =>
        {
            var gated = await entry.Value.Gate.WaitAsync(ReturnTimeout, CancellationToken.None);
            try
            {
                await ReturnAsync(entry.Key, entry.Value);
            }
            finally
            {
                if (gated)
                {
                    entry.Value.Gate.Release();
                }
            }
        }));
    }

    private TimeSpan Now => clock.GetElapsedTime(_start);

    private DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>Three grants in a row were spent by other requests before this one could take its part: retryable, not a refusal.</summary>
    private static TimeoutException Unfilled() => new("This tenant's requests took every grant of its quota before this one could; try again.");

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private TenantLease For(Tenant tenant) => _leases.GetOrAdd(tenant.Id, static _ => new TenantLease());

    /// <summary>
    /// One request at a time per tenant asks the grain for what it needs (the others wait: a grant often covers them too)
    /// and takes it in the same step as the grant lands, so no request that did not wait takes it first. The grant is null
    /// when another request's grant covered this one.
    /// </summary>
    /// <param name="characters">Characters to reserve (null: this request wants a token).</param>
    private async Task<(bool Token, CharacterReservation? Reservation, QuotaLease? Grant)> WithGrantAsync(Tenant tenant, TenantLease lease, int tokens,
        int? characters, CancellationToken cancellationToken)
    {
        await lease.Gate.WaitAsync(cancellationToken);
        try
        {
            if (characters is null && lease.TryTakeToken(Now, Today))
            {
                return (true, null, null);
            }

            if (characters is { } wanted && lease.TryReserve(wanted, Now, Today) is { } covered)
            {
                return (false, covered, null);
            }

            if (lease.LastAskGaveUpAt is { } gaveUp && Now - gaveUp < GaveUpRecently)
            {
                // The request ahead of this one spent the whole retry budget on the grain just now: no second wait as long.
                throw new TimeoutException($"The quota grain of tenant '{tenant.Id}' does not answer.");
            }

            try
            {
                // A request that did not wait may spend what was here while the ask is out: then ask again for the rest.
                for (var ask = 1; ; ask++)
                {
                    var (grant, askedAt) = await TransientClusterCalls.RetryAsync(() => AskAsync(tenant, lease, tokens, characters ?? 0), cancellationToken);
                    _calls.Add(1, Tag("waited", "ok"));
                    var (token, reservation) = lease.AddAndTake(grant, askedAt, Now, Today, tokens, characters);
                    if (token || reservation is not null || grant.TokenRefusal is not null || grant.CharacterRefusal is not null || ask == 3)
                    {
                        return (token, reservation, grant);
                    }
                }
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                _calls.Add(1, Tag("waited", "failed"));
                lease.LastAskGaveUpAt = Now;
                throw;
            }
        }
        finally
        {
            lease.Gate.Release();
        }
    }

    /// <summary>Asks for more in the background when the block runs low; a request never waits for it.</summary>
    private void TopUpIfLow(Tenant tenant, TenantLease lease)
    {
        if (!lease.WantsTopUp(Now, Options.RenewAfter) || !lease.Gate.Wait(0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                var (grant, askedAt) = await AskAsync(tenant, lease, 0, 0);
                lease.AddAndTake(grant, askedAt, Now, Today, tokens: 0, characters: null);
                _calls.Add(1, Tag("background", "ok"));
                if (lease.TopUpFailing)
                {
                    lease.TopUpFailing = false;
                    LogTopUpBack(tenant.Id);
                }
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException)
            {
                // The block still carries requests until it expires; a request that finds it empty waits for the grain.
                _calls.Add(1, Tag("background", "failed"));
                if (!lease.TopUpFailing)
                {
                    lease.TopUpFailing = true;
                    LogTopUpFailed(tenant.Id, ex.Message);
                }
            }
            finally
            {
                lease.Gate.Release();
            }
        });
    }

    /// <summary>One call to the grain (after giving back a lease that ran out or whose day ended).</summary>
    private async Task<(QuotaLease Grant, TimeSpan AskedAt)> AskAsync(Tenant tenant, TenantLease lease, int neededTokens, long neededCharacters)
    {
        var askedAt = Now;
        if (lease.HasEndedLease(askedAt, Today))
        {
            await ReturnAsync(tenant.Id, lease);
        }

        var request = lease.Ask(_holder, tenant.RequestsPerMinute, tenant.CharactersPerDay, neededTokens, neededCharacters, Options.Horizon, askedAt, Today);
        return (await Grain(tenant.Id).LeaseAsync(request), askedAt);
    }

    private async Task ReturnAsync(string tenant, TenantLease lease)
    {
        if (lease.End(_holder) is not { } returned)
        {
            return;
        }

        try
        {
            await Grain(tenant).ReturnLeaseAsync(returned).WaitAsync(ReturnTimeout);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogReturnFailed(tenant, returned.Characters, ex.Message);
        }
    }

    private ITenantQuotaGrain Grain(string tenant) => cluster.GetGrain<ITenantQuotaGrain>(tenant);

    private static KeyValuePair<string, object?>[] Tag(string kind, string outcome) => [new("kind", kind), new("outcome", outcome)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Quota lease of tenant {Tenant} could not be topped up; its block carries requests until it expires (said once until a top-up succeeds): {Reason}")]
    private partial void LogTopUpFailed(string tenant, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Quota lease of tenant {Tenant} topped up again")]
    private partial void LogTopUpBack(string tenant);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Giving back {Characters} leased character(s) of tenant {Tenant} failed; they stay counted today: {Reason}")]
    private partial void LogReturnFailed(string tenant, long characters, string reason);
}
