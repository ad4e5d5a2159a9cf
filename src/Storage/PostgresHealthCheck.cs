using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using QwenTts.Storage.Migrations;

namespace QwenTts.Storage;

/// <summary>Ready only when PostgreSQL answers and holds the schema version this build expects.</summary>
public sealed class PostgresHealthCheck(SchemaMigrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var status = await migrator.GetStatusAsync(cancellationToken);
            var data = new Dictionary<string, object>
            {
                ["schemaVersion"] = status.CurrentVersion,
                ["expectedSchemaVersion"] = status.ExpectedVersion,
            };
            return status.IsCurrent
                ? HealthCheckResult.Healthy("PostgreSQL reachable, " + status, data)
                : HealthCheckResult.Unhealthy("PostgreSQL reachable but " + status, data: data);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL unreachable: " + ex.Message);
        }
    }
}
