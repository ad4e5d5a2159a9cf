using QwenTts.LocalHosting;

namespace QwenTts.LocalCluster;

/// <summary>
/// Starts PostgreSQL (data kept in .local/postgres), the silos and the frontend on 127.0.0.1, prints where to
/// look, and stops all of it on Ctrl-C. Running it again reuses the data.
/// </summary>
public static class EmbeddedDefault
{
    public static async Task<int> RunAsync(LocalClusterOptions options, CancellationToken stop)
    {
        await using var system = new LocalSystem(new LocalSystemOptions
        {
            DataDirectory = Path.Combine(RepositoryLayout.LocalDataDirectory, "postgres"),
            PostgresPort = options.PostgresPort,
            ClusterId = "qwentts-local",
            CommonArguments = ["--Silo:MigrateOnStartup=false"],
            Echo = Console.WriteLine,
        });

        try
        {
            await system.StartPostgresAsync(stop);
            for (var i = 0; i < options.Silos; i++)
            {
                var name = "silo-" + (char)('a' + i);
                await system.StartSiloAsync(new SiloSpec(name)
                {
                    SiloPort = 11111 + i,
                    GatewayPort = 30000 + i,
                    HttpPort = options.FrontendPort + 1 + i,
                }, cancellationToken: stop);
            }

            var frontend = await system.StartFrontendAsync(options.FrontendPort, cancellationToken: stop);
            PrintSummary(system, frontend);
            await Task.Delay(Timeout.Infinite, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Ctrl-C: fall through to the orderly stop below.
        }

        Console.WriteLine("Stopping the frontend, the silos and PostgreSQL...");
        await system.StopAsync();
        Console.WriteLine("Stopped. Data kept in " + system.Postgres.DataDirectory);
        return 0;
    }

    private static void PrintSummary(LocalSystem system, RunningService frontend)
    {
        Console.WriteLine();
        Console.WriteLine("QwenTts is running (embedded default). Press Ctrl-C to stop everything.");
        Console.WriteLine($"  Web page        {frontend.BaseAddress}");
        Console.WriteLine($"  API reference   {new Uri(frontend.BaseAddress, "/scalar")}");
        Console.WriteLine($"  OpenAPI         {new Uri(frontend.BaseAddress, "/openapi/v1.json")}");
        Console.WriteLine($"  Readiness       {new Uri(frontend.BaseAddress, "/readyz")}");
        foreach (var silo in system.Silos)
        {
            Console.WriteLine($"  {silo.Name,-15} {silo.BaseAddress} (health, /metrics)");
        }

        Console.WriteLine($"  PostgreSQL      127.0.0.1:{system.Postgres.Port} (data in {system.Postgres.DataDirectory})");
        Console.WriteLine();
    }
}
