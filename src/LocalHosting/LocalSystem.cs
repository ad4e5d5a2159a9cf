using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using QwenTts.Storage.Migrations;

namespace QwenTts.LocalHosting;

/// <summary>
/// The whole system on one machine: a private PostgreSQL (schema applied), silo processes and a frontend process,
/// all on 127.0.0.1. Used by the embedded default and by the tests that need real processes.
/// </summary>
public sealed class LocalSystem(LocalSystemOptions options) : IAsyncDisposable
{
    private readonly List<RunningService> _silos = [];
    private PrivatePostgresServer? _postgres;
    private readonly List<RunningService> _frontends = [];
    private string? _connectionString;

    public PrivatePostgresServer Postgres => _postgres ?? throw new InvalidOperationException("PostgreSQL is not started.");

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("No database: start PostgreSQL or attach one.");

    /// <summary>Uses a database that already exists and holds the schema (the tests' shared server).</summary>
    public void AttachDatabase(string connectionString) => _connectionString = connectionString;

    public IReadOnlyList<RunningService> Silos => _silos;

    /// <summary>The frontend started last.</summary>
    public RunningService? Frontend => _frontends.LastOrDefault();

    /// <summary>Every frontend started (several share the cluster as in deploy/k8s).</summary>
    public IReadOnlyList<RunningService> Frontends => _frontends;

    public async Task StartPostgresAsync(CancellationToken cancellationToken = default)
    {
        _postgres = await PrivatePostgresServer.StartAsync(new PrivatePostgresOptions
        {
            DataDirectory = options.DataDirectory ?? throw new InvalidOperationException("LocalSystemOptions.DataDirectory is required to start PostgreSQL."),
            Port = options.PostgresPort,
            Ephemeral = options.Ephemeral,
        }, options.Echo is { } echo ? line => echo("[postgres] " + line) : null, cancellationToken);

        _connectionString = _postgres.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(cancellationToken);
    }

    public async Task<RunningService> StartSiloAsync(SiloSpec spec, bool waitUntilReady = true, CancellationToken cancellationToken = default)
    {
        var siloPort = spec.SiloPort != 0 ? spec.SiloPort : PrivatePostgresServer.FindFreeLoopbackPort();
        var gatewayPort = spec.GatewayPort != 0 ? spec.GatewayPort : PrivatePostgresServer.FindFreeLoopbackPort();
        var httpPort = spec.HttpPort != 0 ? spec.HttpPort : PrivatePostgresServer.FindFreeLoopbackPort();
        var arguments = new List<string>
        {
            $"--Silo:Name={spec.Name}",
            $"--Silo:SiloPort={siloPort}",
            $"--Silo:GatewayPort={gatewayPort}",
            $"--Silo:AdvertisedAddress={spec.Network?.Address ?? "127.0.0.1"}",
            spec.Network is { } network
                ? $"--urls=http://unix:{network.HttpSocket}"
                : $"--urls=http://127.0.0.1:{httpPort.ToString(CultureInfo.InvariantCulture)}",
        };
        arguments.AddRange(CommonArguments());
        arguments.AddRange(spec.Arguments ?? []);

        var environment = Secrets();
        foreach (var (name, value) in spec.Environment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        var process = ServiceProcess.Start(spec.Name, RepositoryLayout.ProjectAssembly("Silo", "QwenTts.Silo"), arguments, options.Echo, environment,
            spec.Network?.CommandPrefix);
        var silo = spec.Network is null
            ? new RunningService(spec.Name, process, new Uri($"http://127.0.0.1:{httpPort}"))
            : new RunningService(spec.Name, process, UnixSocketHttp.BaseAddress, httpSocket: spec.Network.HttpSocket);
        _silos.Add(silo);
        if (waitUntilReady)
        {
            await silo.WaitUntilReadyAsync(options.ReadyTimeout, cancellationToken);
        }

        return silo;
    }

    /// <summary>Starts the frontend and waits until it is ready, or with <paramref name="waitUntilReady"/> false only until it answers.</summary>
    /// <param name="environment">More environment variables (secrets such as the S3 store's credentials, which never go on argv).</param>
    /// <param name="network">Runs it in a network of its own, its API on a Unix socket and without operator surfaces.</param>
    public async Task<RunningService> StartFrontendAsync(int httpPort = 0, IReadOnlyList<string>? extraArguments = null,
        CancellationToken cancellationToken = default, bool waitUntilReady = true, IReadOnlyDictionary<string, string>? environment = null,
        IsolatedNetwork? network = null)
    {
        httpPort = httpPort != 0 ? httpPort : PrivatePostgresServer.FindFreeLoopbackPort();
        var operatorPort = PrivatePostgresServer.FindFreeLoopbackPort();
        var arguments = network is null
            ? new List<string>
            {
                // The API port and the operator port (/dashboard, /metrics), which is not the API's.
                string.Create(CultureInfo.InvariantCulture, $"--urls=http://127.0.0.1:{httpPort};http://127.0.0.1:{operatorPort}"),
                string.Create(CultureInfo.InvariantCulture, $"--Operator:Port={operatorPort}"),
            }
            : [$"--urls=http://unix:{network.HttpSocket}"];
        arguments.AddRange(CommonArguments());
        arguments.AddRange(extraArguments ?? []);
        var secrets = Secrets();
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            secrets[name] = value;
        }

        var process = ServiceProcess.Start("frontend", RepositoryLayout.ProjectAssembly("Frontend", "QwenTts.Frontend"), arguments, options.Echo, secrets,
            network?.CommandPrefix);
        var frontend = network is null
            ? new RunningService("frontend", process, new Uri($"http://127.0.0.1:{httpPort}"), new Uri($"http://127.0.0.1:{operatorPort}"))
            : new RunningService("frontend", process, UnixSocketHttp.BaseAddress, httpSocket: network.HttpSocket);
        _frontends.Add(frontend);
        await (waitUntilReady
            ? frontend.WaitUntilReadyAsync(options.ReadyTimeout, cancellationToken)
            : frontend.WaitUntilAliveAsync(options.ReadyTimeout, cancellationToken));
        return frontend;
    }

    /// <summary>Stops one frontend gracefully (SIGTERM) and forgets it, so <see cref="Frontend"/> is again the one started before it.</summary>
    public async Task StopFrontendAsync(RunningService frontend)
    {
        await frontend.Process.StopAsync(TimeSpan.FromSeconds(30));
        await frontend.Process.DisposeAsync();
        _frontends.Remove(frontend);
    }

    /// <summary>Stops the frontend and the silos gracefully (SIGTERM), then PostgreSQL.</summary>
    public async Task StopAsync()
    {
        await Task.WhenAll(_frontends.Select(f => f.Process.StopAsync(TimeSpan.FromSeconds(30))));

        await Task.WhenAll(_silos.Select(s => s.Process.StopAsync(TimeSpan.FromSeconds(60))));
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        foreach (var frontend in _frontends)
        {
            await frontend.Process.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            await silo.Process.DisposeAsync();
        }
    }

    /// <summary>The connection string holds the password: it goes by environment, never argv, where ps shows it to every user.</summary>
    private Dictionary<string, string> Secrets() => new() { ["ConnectionStrings__Cluster"] = ConnectionString };

    private IEnumerable<string> CommonArguments() =>
    [
        $"--Orleans:ClusterId={options.ClusterId}",
        $"--Orleans:ServiceId={options.ClusterId}",
        .. options.CommonArguments,
    ];
}
