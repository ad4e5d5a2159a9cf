using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>One running system (PostgreSQL, two silos with two emulated cards each, the frontend) for these tests.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private EmulatedSystem? _system;

    public EmulatedSystem System => _system ?? throw new InvalidOperationException("not started");

    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        // Short streaming timeouts so the WebSocket idle tests take seconds.
        _system = await EmulatedSystem.StartAsync(frontendArguments: ["--Speech:Streaming:IdleTimeout=00:00:03", "--Speech:Streaming:ConfigTimeout=00:00:03"]);
        AcmeKey = await System.CreateTenantAsync("acme");
        GlobexKey = await System.CreateTenantAsync("globex");
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "system";
}
