using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace QwenTts.Frontend.Hosting;

/// <summary>Ready when the cluster answers and has at least one active silo; the data names them.</summary>
public sealed class ClusterHealthCheck(IClusterClient client) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var hosts = await client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true)
                .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            var names = hosts.Select(h => h.SiloName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            var data = new Dictionary<string, object> { ["activeSilos"] = names };
            return names.Length > 0
                ? HealthCheckResult.Healthy($"{names.Length} active silo(s)", data)
                : HealthCheckResult.Unhealthy("no active silo", data: data);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy("cluster unreachable: " + ex.Message);
        }
    }
}
