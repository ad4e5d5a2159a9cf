using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>One running system (PostgreSQL, two silos with two emulated cards each, the frontend) for these tests.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private EmulatedSystem? _system;

    public EmulatedSystem System => _system ?? throw new InvalidOperationException("not started");

    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    /// <summary>Where this system's jobs keep their audio.</summary>
    public string StoreDirectory { get; } = Path.Combine(Path.GetTempPath(), "qwentts-system-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        // Short streaming timeouts so the WebSocket idle tests take seconds. Callbacks on, with the outbound guard as in
        // production: no loopback allowance here, so the callback tests see what a server does with a loopback URL.
        _system = await EmulatedSystem.StartAsync(
            frontendArguments:
            [
                "--Speech:Streaming:IdleTimeout=00:00:03", "--Speech:Streaming:ConfigTimeout=00:00:03",
                "--Jobs:Local:Directory=" + StoreDirectory, "--Jobs:Callbacks:MaxAttempts=2", "--Jobs:Callbacks:InitialDelay=00:00:00.200",
            ],
            frontendEnvironment: new Dictionary<string, string> { ["Jobs__Callbacks__SigningKey"] = "system-fixture-signing-key" });
        AcmeKey = await System.CreateTenantAsync("acme");
        GlobexKey = await System.CreateTenantAsync("globex");
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        if (Directory.Exists(StoreDirectory))
        {
            Directory.Delete(StoreDirectory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}
