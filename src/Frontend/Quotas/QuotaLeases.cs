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
    private readonly ConcurrentDictionary<string, TenantLease> _leases = new(StringComparer.Ordinal);
    private readonly string _holder = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    private readonly long _start = clock.GetTimestamp();
    private readonly Counter<long> _calls = meters.Create(FrontendMetrics.MeterName).CreateCounter<long>("qwentts.quota.lease_calls",
        description: "Calls to tenants' quota grains for a lease, by kind (waited: a request waited for it; background: a top-up) and outcome (ok, failed)");

    private QuotaLeaseOptions Options => options.Value;

    public async Task<QuotaDecision> AcquireRequestAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var lease = For(tenant);
        if (lease.TryTakeToken(Now))
        {
            TopUpIfLow(tenant, lease);
            return new QuotaDecision(true);
        }

        return await WithGrantAsync(tenant, lease, neededTokens: 1, neededCharacters: 0, static (l, now) => l.TryTakeToken(now) ? new QuotaDecision(true) : null,
            static grant => grant.TokenRefusal, cancellationToken);
    }

    public async Task<QuotaDecision> ReserveCharactersAsync(Tenant tenant, int characters, CancellationToken cancellationToken)
    {
        var lease = For(tenant);
        if (lease.TryReserve(characters, Now) is { } reservation)
        {
            TopUpIfLow(tenant, lease);
            return new QuotaDecision(true, Reservation: reservation);
        }

        return await WithGrantAsync(tenant, lease, neededTokens: 0, neededCharacters: characters,
            (l, now) => l.TryReserve(characters, now) is { } r ? new QuotaDecision(true, Reservation: r) : null,
            static grant => grant.CharacterRefusal, cancellationToken);
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

    /// <summary>Gives every block back, so the other frontends can spend it.</summary>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await Task.WhenAll(_leases.Select(entry => ReturnAsync(entry.Key, entry.Value)));
    }

    private TimeSpan Now => clock.GetElapsedTime(_start);

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

    private async Task<QuotaDecision> WithGrantAsync(Tenant tenant, TenantLease lease, int neededTokens, long neededCharacters,
        Func<TenantLease, TimeSpan, QuotaDecision?> take, Func<QuotaLease, QuotaDecision?> refusal, CancellationToken cancellationToken)
    {
        await lease.Gate.WaitAsync(cancellationToken);
        try
        {
            if (take(lease, Now) is { } taken)
            {
                return taken; // another request's grant covered this one
            }

            var grant = await TransientClusterCalls.RetryAsync(() => AskAsync(tenant, lease, neededTokens, neededCharacters), cancellationToken);
            _calls.Add(1, Tag("waited", "ok"));
            return refusal(grant) ?? take(lease, Now) ?? throw new InvalidOperationException("A quota lease granted less than it was asked for.");
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            _calls.Add(1, Tag("waited", "failed"));
            throw;
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
                await AskAsync(tenant, lease, 0, 0);
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

    /// <summary>One call to the grain (after giving back a lease that ran out); the grant is added to the block.</summary>
    private async Task<QuotaLease> AskAsync(Tenant tenant, TenantLease lease, int neededTokens, long neededCharacters)
    {
        var askedAt = Now;
        if (lease.HasEndedLease(askedAt, DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime)))
        {
            await ReturnAsync(tenant.Id, lease);
        }

        var request = lease.Ask(_holder, tenant.RequestsPerMinute, tenant.CharactersPerDay, neededTokens, neededCharacters, Options.Horizon, askedAt);
        var grant = await Grain(tenant.Id).LeaseAsync(request);
        lease.Add(grant, askedAt, Now);
        return grant;
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
