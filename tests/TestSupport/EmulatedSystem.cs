using System.Globalization;
using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.Storage.Tenants;

namespace QwenTts.TestSupport;

/// <summary>
/// The whole system as real processes on loopback: a private PostgreSQL, silos with emulated cards running the tiny
/// miniature, and the frontend; plus tenants and API keys made through the same store the admin command uses.
/// </summary>
public sealed class EmulatedSystem : IAsyncDisposable
{
    private readonly PostgresFixture _postgres = new();
    private LocalSystem? _system;
    private string _model = "";
    private string? _baseModel;

    public LocalSystem System => _system ?? throw new InvalidOperationException("not started");

    /// <summary>The PostgreSQL server, to stop and start it (outage tests).</summary>
    public PrivatePostgresServer Postgres => _postgres.Server;

    public Uri Frontend => System.Frontend!.BaseAddress;

    public string ConnectionString { get; private set; } = "";

    /// <summary>Cluster and service id: a restart on the same database must reuse it to see the same grain state.</summary>
    public string ClusterId { get; private set; } = "";

    public string ModelDirectory => _model;

    /// <param name="FastFailureDetection">Membership tuned to declare a killed silo dead within seconds; false keeps production's settings.</param>
    public sealed record CardSettings(int MaxConcurrent = 4, int QueueLimit = 16, double EmulatedFramesPerSecond = 50, bool FastFailureDetection = true);

    /// <param name="environment">Environment variables for every process, silos and frontend (after <paramref name="frontendEnvironment"/>).</param>
    public static async Task<EmulatedSystem> StartAsync(int silos = 2, CardSettings? cards = null, IReadOnlyList<string>? frontendArguments = null,
        IReadOnlyList<string>? siloArguments = null, IReadOnlyDictionary<string, string>? frontendEnvironment = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var system = new EmulatedSystem();
        await system._postgres.InitializeAsync();
        system.ConnectionString = await system._postgres.CreateDatabaseAsync("system");
        system._model = await MiniatureModels.BuildAsync("tiny");
        system.ClusterId = "system-" + Guid.NewGuid().ToString("N")[..8];
        var local = new LocalSystem(new LocalSystemOptions { ClusterId = system.ClusterId });
        system._system = local;
        local.AttachDatabase(system.ConnectionString);
        cards ??= new CardSettings();
        await Task.WhenAll(Enumerable.Range(0, silos).Select(i =>
            local.StartSiloAsync(new SiloSpec("silo-" + (char)('a' + i), [.. SiloArguments(system._model, cards), .. siloArguments ?? []]) { Environment = environment })));
        var frontend = new Dictionary<string, string>(frontendEnvironment ?? new Dictionary<string, string>());
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            frontend[name] = value;
        }

        await local.StartFrontendAsync(extraArguments: frontendArguments, environment: frontend);
        await system.WaitForCardsAsync(silos * 2);
        return system;
    }

    public static List<string> SiloArguments(string model, CardSettings cards) => EmulatedCards.SiloArguments(model,
        new EmulatedCards.Settings(cards.MaxConcurrent, cards.QueueLimit, cards.EmulatedFramesPerSecond, cards.FastFailureDetection)
        {
            DrainTimeout = TimeSpan.FromSeconds(20),
        });

    /// <summary>Starts one more silo whose two cards also hold the Base model (cloning), and waits until routing sees them.</summary>
    public async Task StartBaseModelSiloAsync(string name, int cardsInTotal, CardSettings? cards = null)
    {
        _baseModel ??= await MiniatureModels.BuildAsync("tiny", QwenTts.Engine.Model.ModelVariant.Base);
        cards ??= new CardSettings();
        var arguments = EmulatedCards.SiloArguments(_model,
            new EmulatedCards.Settings(cards.MaxConcurrent, cards.QueueLimit, cards.EmulatedFramesPerSecond, FastFailureDetection: true)
            {
                DrainTimeout = TimeSpan.FromSeconds(20),
                CloneModel = _baseModel,
            });
        await System.StartSiloAsync(new SiloSpec(name, arguments));
        await WaitForCardsAsync(cardsInTotal);
    }

    /// <summary>A tenant with its quotas and an API key, as 'admin create-tenant' makes them (one-shot cloning off unless asked for).</summary>
    public async Task<string> CreateTenantAsync(string id, int requestsPerMinute = 6000, long charactersPerDay = 10_000_000, bool referenceCloning = false)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        var store = new TenantStore(dataSource);
        await store.CreateTenantAsync(id, id, requestsPerMinute, charactersPerDay, referenceCloning);
        return (await store.CreateKeyAsync(id, "test")).Key;
    }

    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = Frontend, Timeout = TimeSpan.FromSeconds(120) };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        return client;
    }

    /// <summary>Waits until the frontend's card table lists every card (routing sees them all).</summary>
    public async Task WaitForCardsAsync(int count)
    {
        var key = await CreateTenantAsync("probe-" + Guid.NewGuid().ToString("N")[..8]);
        using var client = Client(key);
        await Eventually.HoldsAsync(async () =>
        {
            using var response = await client.GetAsync("/v1/devices");
            var body = await response.Content.ReadAsStringAsync();
            return global::System.Text.RegularExpressions.Regex.Matches(body, "\"id\":").Count;
        }, n => n == count, TimeSpan.FromSeconds(60), $"{count} cards in /v1/devices");
    }

    public async ValueTask DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        await _postgres.DisposeAsync();
        MiniatureModels.Delete(_model);
        if (_baseModel is not null)
        {
            MiniatureModels.Delete(_baseModel);
        }
    }
}
