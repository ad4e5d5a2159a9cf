using Microsoft.Extensions.Options;
using QwenTts.Frontend.Hosting;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Quotas;

/// <summary>
/// Per-tenant limits, enforced once for the cluster by the tenant's <see cref="ITenantQuotaGrain"/> (so every frontend
/// draws from the same allowance): requests per minute and characters per UTC day. Requests are counted against this
/// frontend's lease of the tenant's allowance (<see cref="QuotaLeases"/>) unless leases are turned off. Usage is still
/// metered in PostgreSQL by <see cref="Usage.UsageRecorder"/>; the grain starts each day's count from it.
/// </summary>
public sealed partial class TenantQuotas(IClusterClient cluster, QuotaLeases leases, IOptions<QuotaLeaseOptions> options, ILogger<TenantQuotas> logger)
{
    public Task<QuotaDecision> AcquireRequestAsync(Tenant tenant) => options.Value.Enabled
        ? leases.AcquireRequestAsync(tenant, CancellationToken.None)
        : TransientClusterCalls.RetryAsync(() => Grain(tenant).AcquireRequestAsync(tenant.RequestsPerMinute));

    /// <summary>Counts <paramref name="characters"/> against today's quota if they fit; the decision carries the reservation to give back.</summary>
    public async Task<QuotaDecision> ReserveCharactersAsync(Tenant tenant, int characters, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return options.Value.Enabled
            ? await leases.ReserveCharactersAsync(tenant, characters, cancellationToken)
            : await TransientClusterCalls.RetryAsync(() => Grain(tenant).ReserveCharactersAsync(tenant.CharactersPerDay, characters), cancellationToken);
    }

    /// <summary>
    /// Gives back the characters of a request that produced no audio, at the grain even when they came from this
    /// frontend's lease (so another frontend can spend them). A failure here is logged, never the request's problem.
    /// </summary>
    public async Task ReleaseAsync(Tenant tenant, CharacterReservation? reservation)
    {
        if (reservation is null)
        {
            return;
        }

        try
        {
            await Grain(tenant).ReleaseCharactersAsync(reservation);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogReleaseFailed(tenant.Id, reservation.Characters, ex.Message);
        }
    }

    private ITenantQuotaGrain Grain(Tenant tenant) => cluster.GetGrain<ITenantQuotaGrain>(tenant.Id);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Giving back {Characters} character(s) of tenant {Tenant} failed; they stay counted today: {Reason}")]
    private partial void LogReleaseFailed(string tenant, int characters, string reason);
}
