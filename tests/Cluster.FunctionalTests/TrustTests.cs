using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Grains.Interfaces.Voices;
using QwenTts.Storage.DataProtection;
using QwenTts.Storage.Tenants;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>
/// Cards and grains that do not spend work nobody asked for: a card never speaks a cloned voice it cannot clone, a clone
/// whose caller went away leaves the card's queue, and a job that ends without audio gives its characters back.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class TrustTests(PostgresFixture postgres, MiniatureModelFixture models)
{
    [Fact]
    public async Task A_card_without_the_Base_model_refuses_a_cloned_voice_instead_of_designing_one()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessCluster.Settings(await postgres.CreateDatabaseAsync("noclone"), models.VoiceDesign) { Silos = 1 });
        var card = await OnlyCardAsync(cluster.Client);
        // An audio_sample voice: its description is empty, so a designed voice in its place would be anyone's.
        var job = ClusterJobs.Job(ClusterJobs.ShortText) with
        {
            Voice = new VoiceSpec { Description = "", ClonePrompt = new VoiceClonePrompt(new float[64], [], 0, "", "test") },
        };

        var events = new List<SynthesisEvent>();
        await foreach (var e in cluster.Client.GetGrain<IDeviceGrain>(card.Device.Key).SynthesizeAsync(job))
        {
            events.Add(e);
        }

        var only = Assert.Single(events);
        Assert.Equal(SynthesisEventKind.Rejected, only.Kind);
        Assert.Contains("cannot speak a cloned voice", only.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_clone_whose_caller_goes_away_while_it_waits_for_a_slot_leaves_the_card()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessCluster.Settings(await postgres.CreateDatabaseAsync("clonecancel"), models.VoiceDesign)
        {
            Silos = 1,
            CloneDirectory = models.Base,
            Cards = _ => new Dictionary<string, string?>(InProcessCluster.DefaultCards()) { ["Devices:MaxConcurrent"] = "1", ["Devices:EmulatedFramesPerSecond"] = "25" },
        });
        var card = await OnlyCardAsync(cluster.Client);
        var grain = cluster.Client.GetGrain<IDeviceGrain>(card.Device.Key);

        // The card's one slot is busy with a long utterance.
        using var stopLong = new CancellationTokenSource();
        var firstAudio = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var longRun = Task.Run(async () =>
        {
            await foreach (var e in grain.SynthesizeAsync(ClusterJobs.Job(ClusterJobs.LongText), stopLong.Token))
            {
                if (e.Kind == SynthesisEventKind.Audio)
                {
                    firstAudio.TrySetResult();
                }
            }
        });
        await firstAudio.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // A clone queued behind it, whose caller gives up after half a second.
        using var caller = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        var samples = new float[24_000 * 2];
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => grain.CloneRecordingAsync(samples, null, caller.Token));
        var load = await Eventually.HoldsAsync(grain.GetLoadAsync, l => l.Queued == 0, TimeSpan.FromSeconds(5), "the cancelled clone to leave the queue");

        Assert.Equal(1, load.Active); // the long utterance still runs: the clone left while it waited, it did not run
        await stopLong.CancelAsync();
        await longRun.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    [Fact]
    public async Task A_job_that_fails_or_is_deleted_before_its_audio_gives_its_characters_back_once()
    {
        var database = await postgres.CreateDatabaseAsync("jobquota");
        await using var cluster = await InProcessCluster.StartAsync(new InProcessCluster.Settings(database, models.VoiceDesign)
        {
            Silos = 1,
            Services = services =>
            {
                services.AddSingleton(_ => NpgsqlDataSource.Create(database));
                services.AddSingleton<UsageStore>();
                services.AddSingleton<QuotaLeaseStore>();
            },
        });
        var client = cluster.Client;
        var quota = client.GetGrain<ITenantQuotaGrain>("acme");
        var failing = await quota.ReserveCharactersAsync(1000, 300);
        var deleted = await quota.ReserveCharactersAsync(1000, 200);
        var completed = await quota.ReserveCharactersAsync(1000, 100);
        Assert.Equal(600, await quota.CharactersUsedTodayAsync());

        var failingJob = await CreateJobAsync(client, failing.Reservation!);
        Assert.True(await failingJob.TryLeaseAsync("runner", TimeSpan.FromMinutes(1)));
        Assert.True(await failingJob.FailAsync("runner", "every card failed"));
        Assert.False(await failingJob.FailAsync("runner", "again"));
        await failingJob.DeleteAsync();
        var afterFailure = await quota.CharactersUsedTodayAsync();

        var deletedJob = await CreateJobAsync(client, deleted.Reservation!);
        await deletedJob.DeleteAsync();
        var afterDelete = await quota.CharactersUsedTodayAsync();

        var completedJob = await CreateJobAsync(client, completed.Reservation!);
        Assert.True(await completedJob.TryLeaseAsync("runner", TimeSpan.FromMinutes(1)));
        Assert.True(await completedJob.CompleteAsync("runner", new AudioJobContent(100, 1.0, "audio/mpeg")));
        await completedJob.DeleteAsync();

        Assert.Equal(300, afterFailure);
        Assert.Equal(100, afterDelete);
        Assert.Equal(100, await quota.CharactersUsedTodayAsync()); // audio was made: its characters stay counted
    }

    [Fact]
    public async Task The_first_key_of_a_new_key_ring_is_made_once_while_other_frontends_wait_for_it()
    {
        await using var data = NpgsqlDataSource.Create(await postgres.CreateDatabaseAsync("keyring"));
        using var first = new PostgresXmlRepository(data);
        using var second = new PostgresXmlRepository(data);

        Assert.Empty(first.GetAllElements()); // no key: this one makes it, and holds the others back until it is stored
        var secondRead = Task.Run(second.GetAllElements);
        await Task.Delay(500);
        var waited = !secondRead.IsCompleted;
        first.StoreElement(new XElement("key", new XAttribute("id", "k1")), "key-k1");
        var read = await secondRead.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(waited, "the second frontend read the ring before the first key was stored");
        Assert.Equal("k1", Assert.Single(read).Attribute("id")!.Value);
    }

    [Fact]
    public async Task Two_frontends_starting_together_seal_and_open_with_one_key_ring_in_PostgreSQL()
    {
        var database = await postgres.CreateDatabaseAsync("dataprotection");
        await using var data = NpgsqlDataSource.Create(database);
        IDataProtector Frontend()
        {
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton(data);
            services.AddDataProtection().SetApplicationName("QwenTts").PersistKeysToPostgres();
            return services.BuildServiceProvider().GetRequiredService<IDataProtectionProvider>().CreateProtector("QwenTts.Robots.Credentials.v1");
        }

        var (a, b) = (Frontend(), Frontend());
        var sealedBy = await Task.WhenAll(Task.Run(() => a.Protect("wecom-key-of-a")), Task.Run(() => b.Protect("wecom-key-of-b")));
        await using var count = data.CreateCommand("SELECT count(*) FROM data_protection_keys");

        Assert.Equal("wecom-key-of-a", b.Unprotect(sealedBy[0]));
        Assert.Equal("wecom-key-of-b", a.Unprotect(sealedBy[1]));
        Assert.Equal(1L, (long)(await count.ExecuteScalarAsync())!);
    }

    private static async Task<IAudioJobGrain> CreateJobAsync(IClusterClient client, CharacterReservation reservation)
    {
        var grain = client.GetGrain<IAudioJobGrain>("job_" + Guid.NewGuid().ToString("N"));
        var spec = new AudioJobSpec("acme", ["Some text."], "english", VoiceSpec.Designed("A calm voice"), null, 1, "mp3", 1.0, reservation.Characters, null,
            TimeSpan.FromHours(1), Reservation: reservation);
        Assert.True(await grain.CreateAsync(spec));
        return grain;
    }

    private static async Task<DeviceLoad> OnlyCardAsync(IClusterClient client)
    {
        var (router, _) = InProcessCluster.Routing(client);
        var devices = await Eventually.HoldsAsync(async () => { await router.RefreshAsync(); return router.Devices; }, d => d.Count == 1, TimeSpan.FromSeconds(30), "one card");
        return devices[0];
    }
}
