using Microsoft.Extensions.Configuration;

namespace QwenTts.ServiceDefaults;

/// <summary>
/// Where the cluster keeps its membership (PostgreSQL) and which cluster to join. Silos and clients must agree
/// on all three values. Bound from <c>ConnectionStrings:Cluster</c> and the <c>Orleans</c> section.
/// </summary>
public sealed record ClusterSettings(string ConnectionString, string ClusterId, string ServiceId)
{
    public const string AdoNetInvariant = "Npgsql";

    public static ClusterSettings From(IConfiguration configuration)
    {
        var connectionString = configuration.GetConnectionString("Cluster");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Cluster is not set. Point it at the PostgreSQL database that holds the cluster through the " +
                "environment (argv is visible to every user in ps), e.g. " +
                "ConnectionStrings__Cluster=\"Host=127.0.0.1;Port=5432;Database=qwentts;Username=...;Password=...\"");
        }

        return new ClusterSettings(
            connectionString,
            configuration["Orleans:ClusterId"] ?? "qwentts",
            configuration["Orleans:ServiceId"] ?? "qwentts");
    }
}
