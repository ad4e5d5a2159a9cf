using QwenTts.LocalHosting;

namespace QwenTts.LocalCluster;

/// <summary>
/// Starts PostgreSQL (data kept in .local/postgres), two silos each with an emulated Ascend-910B-like and an emulated
/// Hygon-like card running the tiny miniature, and the frontend, all on 127.0.0.1; prints where to look and a demo
/// API key; stops everything on Ctrl-C. Running it again reuses the data and the key.
/// </summary>
public static class EmbeddedDefault
{
    public static async Task<int> RunAsync(LocalClusterOptions options, CancellationToken stop)
    {
        Directory.CreateDirectory(RepositoryLayout.LocalDataDirectory);
        await LocalModels.EnsureAsync(options.WithBaseModel, stop);

        var dataDirectory = await PostgresDataDirectoryAsync(stop);
        await using var system = new LocalSystem(new LocalSystemOptions
        {
            DataDirectory = dataDirectory,
            PostgresPort = options.PostgresPort,
            ClusterId = "qwentts-local",
            CommonArguments = [],
            Echo = Console.WriteLine,
        });

        try
        {
            await system.StartPostgresAsync(stop);
            await AdminAccess.WriteAsync(system.ConnectionString, stop);
            var key = await DemoTenant.EnsureAsync(system.ConnectionString, stop);
            for (var i = 0; i < options.Silos; i++)
            {
                var name = "silo-" + (char)('a' + i);
                await system.StartSiloAsync(new SiloSpec(name, SiloArguments(options))
                {
                    SiloPort = 11111 + i,
                    GatewayPort = 30000 + i,
                    HttpPort = options.FrontendPort + 1 + i,
                }, cancellationToken: stop);
            }

            var frontend = await system.StartFrontendAsync(options.FrontendPort,
                ["--Auth:KeySnapshotDirectory=" + Path.Combine(RepositoryLayout.LocalDataDirectory, "frontend")], stop);
            PrintSummary(system, frontend, key);
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C: fall through to the orderly stop below.
        }

        Console.WriteLine("Stopping the frontend, the silos (draining their cards) and PostgreSQL...");
        await system.StopAsync();
        Console.WriteLine("Stopped. Data kept in " + dataDirectory);
        return 0;
    }

    /// <summary>
    /// .local/postgres in the checkout; when the checkout is somewhere the postgres user cannot reach (under /root),
    /// a folder of /var/tmp named after the checkout, so that runs still share their data.
    /// </summary>
    private static async Task<string> PostgresDataDirectoryAsync(CancellationToken cancellationToken)
    {
        var preferred = Path.Combine(RepositoryLayout.LocalDataDirectory, "postgres");
        if (await PrivatePostgresServer.IsUsableDataDirectoryAsync(preferred, cancellationToken))
        {
            return preferred;
        }

        var id = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(RepositoryLayout.Root)))[..12].ToLowerInvariant();
        var fallback = Path.Combine("/var/tmp", "qwentts-" + id, "postgres");
        Console.WriteLine($"The postgres user cannot reach {preferred}; keeping PostgreSQL's data in {fallback} instead.");
        return fallback;
    }

    /// <summary>Each silo: one emulated Ascend-910B-like card (speed 1.0) and one emulated Hygon-like card (0.78).</summary>
    private static List<string> SiloArguments(LocalClusterOptions options) => EmulatedCards.SiloArguments(LocalModels.VoiceDesign,
        new EmulatedCards.Settings { CloneModel = options.WithBaseModel ? LocalModels.Base : null });

    private static void PrintSummary(LocalSystem system, RunningService frontend, string key)
    {
        Console.WriteLine();
        Console.WriteLine("QwenTts is running (embedded default: emulated cards, tiny miniature model — it makes noise, not speech).");
        Console.WriteLine("Press Ctrl-C to stop everything.");
        Console.WriteLine($"  Web page        {frontend.BaseAddress}");
        Console.WriteLine($"  API reference   {new Uri(frontend.BaseAddress, "/scalar")}");
        Console.WriteLine($"  OpenAPI         {new Uri(frontend.BaseAddress, "/openapi/v1.json")}");
        // Operator surfaces are on their own port, never the API's (see deploy/RUNBOOK.md, "Operator surfaces").
        Console.WriteLine($"  Orleans         {new Uri(frontend.OperatorAddress!, "/dashboard")}   (operator port)");
        Console.WriteLine($"  Metrics         {new Uri(frontend.OperatorAddress!, "/metrics")}   (operator port)");
        foreach (var silo in system.Silos)
        {
            Console.WriteLine($"  {silo.Name,-15} {silo.BaseAddress} (health, /metrics)");
        }

        var database = new Npgsql.NpgsqlConnectionStringBuilder(system.ConnectionString);
        Console.WriteLine($"  PostgreSQL      127.0.0.1:{system.Postgres.Port}, database {database.Database}, user {database.Username}, password in {Path.Combine(system.Postgres.DataDirectory, "password")}");
        Console.WriteLine($"  Demo API key    {key}");
        Console.WriteLine($"  Admin           {AdminAccess.Command} list-tenants   (--help for all; it reads {AdminAccess.File})");
        Console.WriteLine();
        Console.WriteLine("Try it:");
        Console.WriteLine($"  curl -s {frontend.BaseAddress}v1/audio/speech -H 'Authorization: Bearer {key}' -H 'Content-Type: application/json' \\");
        Console.WriteLine("       -d '{\"input\":\"Hello from QwenTts\",\"instructions\":\"A calm narrator\",\"response_format\":\"wav\"}' -o hello.wav");
        Console.WriteLine();
    }
}
