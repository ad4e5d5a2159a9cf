using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace QwenTts.Silo.Hosting;

/// <summary>Ready when this silo is Active in the cluster's membership; the data lists what it sees.</summary>
public sealed class SiloHealthCheck(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = membership.CurrentSnapshot;
        var active = snapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).OrderBy(n => n).ToArray();
        var self = snapshot.GetSiloStatus(local.SiloAddress);
        var data = new Dictionary<string, object>
        {
            ["silo"] = local.Name,
            ["status"] = self.ToString(),
            ["activeSilos"] = active,
        };
        return Task.FromResult(self == SiloStatus.Active
            ? HealthCheckResult.Healthy($"silo {local.Name} active; {active.Length} active silo(s)", data)
            : HealthCheckResult.Unhealthy($"silo {local.Name} is {self}", data: data));
    }
}
