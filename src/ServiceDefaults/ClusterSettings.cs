using Microsoft.Extensions.Configuration;

namespace QwenTts.ServiceDefaults;

/// <summary>
/// Where the cluster keeps its membership (PostgreSQL) and which cluster to join. Silos and clients must agree
/// on all three values. Bound from <c>ConnectionStrings:Cluster</c> (or the file named by <c>ConnectionStrings:ClusterFile</c>,
/// e.g. a mounted secret) and the <c>Orleans</c> section. The connection string holds the password, so it is refused on
/// the command line, where ps shows it to every user.
/// </summary>
public sealed record ClusterSettings(string ConnectionString, string ClusterId, string ServiceId)
{
    public const string AdoNetInvariant = "Npgsql";

    private const string Example = "ConnectionStrings__Cluster=\"Host=127.0.0.1;Port=5432;Database=qwentts;Username=...;Password=...\"";

    public static ClusterSettings From(IConfiguration configuration) => From(configuration, Environment.GetCommandLineArgs());

    public static ClusterSettings From(IConfiguration configuration, IReadOnlyList<string> commandLine)
    {
        if (commandLine.FirstOrDefault(IsConnectionStringArgument) is { } argument)
        {
            throw new InvalidOperationException(
                $"'{argument.Split('=')[0]}' was given on the command line, where ps shows the database password to every user. " +
                $"Pass it by environment ({Example}) or in a file named by ConnectionStrings__ClusterFile.");
        }

        var connectionString = configuration.GetConnectionString("Cluster");
        if (string.IsNullOrWhiteSpace(connectionString) && configuration.GetConnectionString("ClusterFile") is { Length: > 0 } file)
        {
            connectionString = File.Exists(file)
                ? File.ReadAllText(file).Trim()
                : throw new InvalidOperationException($"ConnectionStrings:ClusterFile names '{file}', which does not exist.");
        }

        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidOperationException(
                "ConnectionStrings:Cluster is not set. Point it at the PostgreSQL database that holds the cluster through the " +
                $"environment (argv is visible to every user in ps), e.g. {Example}, or name a file holding it with ConnectionStrings__ClusterFile.");
        }

        return new ClusterSettings(
            connectionString,
            configuration["Orleans:ClusterId"] ?? "qwentts",
            configuration["Orleans:ServiceId"] ?? "qwentts");
    }

    private static bool IsConnectionStringArgument(string argument)
    {
        var key = argument.TrimStart('-', '/').Split('=')[0].Replace("__", ":", StringComparison.Ordinal);
        return key.Equals("ConnectionStrings:Cluster", StringComparison.OrdinalIgnoreCase);
    }
}
