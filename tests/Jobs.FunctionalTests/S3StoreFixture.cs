using QwenTts.TestSupport;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>
/// s3rver and a small system (one silo, two emulated cards) whose frontend keeps the jobs' audio in it
/// (<c>Jobs:Store=s3</c>, credentials in the frontend's environment), with short retention and few attempts.
/// </summary>
public sealed class S3StoreFixture : IAsyncLifetime
{
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(6);
    public const string Prefix = "tts/";

    private EmulatedSystem? _system;

    public S3rver S3 { get; } = new();

    public EmulatedSystem System => _system ?? throw new InvalidOperationException("not started");

    public string Key { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await S3.StartAsync();
        _system = await EmulatedSystem.StartAsync(silos: 1, cards: JobSystemFixture.Cards, siloArguments: ["--Model:MaxFramesPerTextToken=1"],
            frontendArguments:
            [
                "--Jobs:Store=s3",
                "--Jobs:S3:ServiceUrl=" + S3.ServiceUrl,
                "--Jobs:S3:Bucket=" + S3.Bucket,
                "--Jobs:S3:Prefix=" + Prefix,
                "--Jobs:S3:Timeout=00:00:05",
                "--Jobs:PollInterval=00:00:00.500",
                "--Jobs:RetryDelay=00:00:00.300",
                "--Jobs:MaxAttempts=3",
                $"--Jobs:Retention={Retention:c}",
            ],
            frontendEnvironment: new Dictionary<string, string>
            {
                ["AWS_ACCESS_KEY_ID"] = S3rver.AccessKey,
                ["AWS_SECRET_ACCESS_KEY"] = S3rver.SecretKey,
            });
        Key = await System.CreateTenantAsync("acme");
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        await S3.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class S3StoreCollection : ICollectionFixture<S3StoreFixture>
{
    public const string Name = "s3-store";
}
