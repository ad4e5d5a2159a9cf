using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.Storage.Migrations;
using QwenTts.Storage.Tenants;

namespace QwenTts.TestSupport;

/// <summary>
/// The whole system as real processes, each in a network namespace of its own on a private switch
/// (<see cref="NetworkNamespaces"/>): PostgreSQL, silos with emulated cards, the frontend. They reach each other only
/// through the switch, so one can be cut off; the test reaches the frontend and PostgreSQL through Unix sockets in a
/// temporary folder, never through an address outside the namespaces.
/// </summary>
public sealed class PartitionedSystem : IAsyncDisposable
{
    public const string Postgres = "postgres";
    public const string FrontendName = "frontend";

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "qtp-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly EmulatedSystem.CardSettings _cards;
    private NetworkNamespaces? _network;
    private PrivatePostgresServer? _postgres;
    private LocalSystem? _system;
    private string _model = "";

    private PartitionedSystem(EmulatedSystem.CardSettings cards) => _cards = cards;

    public NetworkNamespaces Network => _network ?? throw new InvalidOperationException("not started");

    public LocalSystem System => _system ?? throw new InvalidOperationException("not started");

    /// <summary>The application database through PostgreSQL's Unix socket (the processes use its network address).</summary>
    public string ConnectionString => (_postgres ?? throw new InvalidOperationException("not started")).LocalConnectionString;

    /// <summary>Where the frontend keeps job audio (Jobs:Local:Directory).</summary>
    public string JobStore => Path.Combine(_folder, "jobs");

    /// <summary>Starts PostgreSQL, the silos (in parallel) and the frontend, each in its namespace, and waits until routing sees every card.</summary>
    public static async Task<PartitionedSystem> StartAsync(IReadOnlyList<string> silos, EmulatedSystem.CardSettings cards, IReadOnlyList<string>? frontendArguments = null)
    {
        var system = new PartitionedSystem(cards);
        try
        {
            Directory.CreateDirectory(system._folder);
            system._network = await NetworkNamespaces.CreateAsync([Postgres, .. silos, FrontendName]);
            system._postgres = await PrivatePostgresServer.StartAsync(new PrivatePostgresOptions
            {
                DataDirectory = Path.Combine(system._folder, "pg"),
                Ephemeral = true,
                ListenAddress = system.Network.Address(Postgres),
                ClientNetwork = system.Network.Subnet,
                CommandPrefix = system.Network.CommandPrefix(Postgres),
            });
            await using (var dataSource = NpgsqlDataSource.Create(system.ConnectionString))
            {
                await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
            }

            system._model = await MiniatureModels.BuildAsync("tiny");
            var clusterId = "partition-" + Guid.NewGuid().ToString("N")[..8];
            system._system = new LocalSystem(new LocalSystemOptions { ClusterId = clusterId });
            system.System.AttachDatabase(system._postgres.ConnectionString);
            await Task.WhenAll(silos.Select(system.StartSiloAsync));
            await system.System.StartFrontendAsync(extraArguments: [.. frontendArguments ?? [], "--Jobs:Local:Directory=" + system.JobStore],
                network: system.Network.Placement(FrontendName, system.Socket(FrontendName)));
            await system.WaitForCardsAsync(silos.Count * 2);
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts a silo in its participant's namespace (again, after it died: as Kubernetes restarts a pod).</summary>
    public Task<RunningService> StartSiloAsync(string name)
    {
        File.Delete(Socket(name)); // a killed process leaves its socket file behind
        return System.StartSiloAsync(new SiloSpec(name, EmulatedSystem.SiloArguments(_model, _cards)) { Network = Network.Placement(name, Socket(name)) });
    }

    public RunningService Silo(string name) => System.Silos.Last(s => s.Name == name);

    /// <summary>A tenant with its quotas and an API key, as 'admin create-tenant' makes them.</summary>
    public async Task<string> CreateTenantAsync(string id)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        var store = new TenantStore(dataSource);
        await store.CreateTenantAsync(id, id, 6000, 10_000_000, false);
        return (await store.CreateKeyAsync(id, "test")).Key;
    }

    /// <summary>An HTTP client of the frontend's API through its Unix socket.</summary>
    public HttpClient Client(string apiKey)
    {
        var client = new HttpClient(UnixSocketHttp.Handler(Socket(FrontendName))) { BaseAddress = UnixSocketHttp.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        client.DefaultRequestHeaders.Authorization = new global::System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>The card ids the frontend's /v1/devices lists.</summary>
    public async Task<IReadOnlyList<string>> CardsAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/devices");
        var body = await response.Content.ReadAsStringAsync();
        return [.. global::System.Text.RegularExpressions.Regex.Matches(body, "\"id\":\"([^\"]+)\"").Select(m => m.Groups[1].Value)];
    }

    /// <summary>Waits until the frontend's card table lists <paramref name="count"/> cards.</summary>
    public async Task WaitForCardsAsync(int count)
    {
        using var client = Client(await CreateTenantAsync("probe-" + Guid.NewGuid().ToString("N")[..8]));
        await Eventually.HoldsAsync(async () => string.Join(",", await CardsAsync(client)), ids => ids.Split(',', StringSplitOptions.RemoveEmptyEntries).Length == count,
            TimeSpan.FromSeconds(60), $"{count} cards in /v1/devices");
    }

    /// <summary>Kills every process at once (a failed test must not wait for drains), stops PostgreSQL, then removes the namespaces and files.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_system is not null)
            {
                foreach (var process in System.Frontends.Concat(System.Silos).Select(s => s.Process))
                {
                    process.Kill();
                }

                await _system.DisposeAsync();
            }

            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }
        }
        finally
        {
            // The namespaces go whatever failed before: the machine's network must not keep any of them.
            if (_network is not null)
            {
                await _network.DisposeAsync();
            }
        }

        if (_model.Length > 0)
        {
            MiniatureModels.Delete(_model);
        }

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a folder under /tmp that outlives us does no harm.
        }
    }

    private string Socket(string participant) => Path.Combine(_folder, participant + ".sock");
}
