using QwenTts.LocalHosting;
using QwenTts.TestSupport;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>
/// PostgreSQL, two silos with two emulated cards each, and a frontend whose jobs use short leases, fast polling and a
/// retention of seconds, so restarts, resumption and expiry take seconds.
/// </summary>
public sealed class JobSystemFixture : IAsyncLifetime
{
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(8);

    /// <summary>How long an expired or failed job stays visible before it is forgotten (its grain state removed).</summary>
    public static readonly TimeSpan KeepEndedFor = TimeSpan.FromSeconds(5);
    public const string SigningKey = "test-callback-signing-key";

    private EmulatedSystem? _system;

    public EmulatedSystem System => _system ?? throw new InvalidOperationException("not started");

    public static EmulatedSystem.CardSettings Cards { get; } = new(MaxConcurrent: 4, QueueLimit: 16, EmulatedFramesPerSecond: 400);

    /// <summary>At most one frame per text token: the miniature's utterances stay short, so 20,000 characters take seconds.</summary>
    public static IReadOnlyList<string> SiloArguments(string model) => [.. EmulatedSystem.SiloArguments(model, Cards), "--Model:MaxFramesPerTextToken=1"];

    public string StoreDirectory { get; } = Path.Combine(Path.GetTempPath(), "qwentts-jobs-" + Guid.NewGuid().ToString("N")[..8]);

    public IReadOnlyList<string> FrontendArguments =>
    [
        "--Jobs:LeaseDuration=00:00:03",
        "--Jobs:PollInterval=00:00:00.500",
        "--Jobs:RetryDelay=00:00:00.500",
        $"--Jobs:Retention={Retention:c}",
        $"--Jobs:KeepEndedFor={KeepEndedFor:c}",
        "--Jobs:MaxInputCharacters=30000",
        "--Jobs:Local:Directory=" + StoreDirectory,
        "--Jobs:Callbacks:SigningKey=" + SigningKey,
        // The fake receivers and chat tools listen on loopback: the test-only allowance (private and every other reserved
        // range stay refused). The guard's own tests run without it (Frontend.UnitTests, Frontend.FunctionalTests).
        "--Outbound:AllowLoopbackForTests=true",
        "--Jobs:Callbacks:InitialDelay=00:00:00.200",
        "--Jobs:Callbacks:MaxAttempts=4",
        // Short, so the lease on a callback whose frontend died runs out in seconds.
        "--Jobs:Callbacks:Timeout=00:00:03",
        "--Robots:WeComBaseUrl=" + Tools.WeCom.BaseAddress,
        "--Robots:DingTalkBaseUrl=" + Tools.DingTalk.BaseAddress,
        "--Robots:PublicBaseUrl=" + PublicBaseUrl,
        // Short, so a broadcast whose frontend died is taken over in seconds (its lease covers every attempt's timeout).
        "--Robots:Timeout=00:00:04",
        "--Robots:MaxAttempts=2",
    ];

    public const string PublicBaseUrl = "http://tts.example.test";

    /// <summary>Fake WeCom and DingTalk servers on loopback; the frontend's robot base URLs point at them.</summary>
    public ChatToolFakes Tools { get; } = new();

    public string AcmeKey { get; private set; } = "";

    public string GlobexKey { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await Tools.StartAsync();
        _system = await EmulatedSystem.StartAsync(cards: Cards, frontendArguments: FrontendArguments, siloArguments: ["--Model:MaxFramesPerTextToken=1"]);
        AcmeKey = await System.CreateTenantAsync("acme");
        GlobexKey = await System.CreateTenantAsync("globex");
    }

    /// <summary>
    /// Kills the frontend (SIGKILL: no goodbye, its leases just stop being renewed) and starts a new one, with the
    /// fixture's <see cref="Retention"/> unless <paramref name="retention"/> says otherwise (the last value given wins).
    /// </summary>
    public async Task<RunningService> RestartFrontendAsync(TimeSpan? retention = null)
    {
        System.System.Frontend!.Process.Kill();
        await System.System.Frontend.Process.WaitForExitAsync();
        return await System.System.StartFrontendAsync(extraArguments: retention is { } kept ? [.. FrontendArguments, $"--Jobs:Retention={kept:c}"] : FrontendArguments);
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        await Tools.DisposeAsync();
        if (Directory.Exists(StoreDirectory))
        {
            Directory.Delete(StoreDirectory, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class JobSystemCollection : ICollectionFixture<JobSystemFixture>
{
    public const string Name = "jobs";
}
