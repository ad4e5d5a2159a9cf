using QwenTts.Grains.Interfaces.Voices;
using QwenTts.LocalHosting;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>Silos and the frontend as real processes on a real PostgreSQL: membership, failure notice, durable state.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProcessClusterTests(PostgresFixture postgres, MiniatureModelFixture models)
{
    private static readonly TimeSpan ClusterTimeout = TimeSpan.FromSeconds(60);

    private List<string> Cards => EmulatedSystem.SiloArguments(models.VoiceDesign, new EmulatedSystem.CardSettings());

    [Fact]
    public async Task Two_silos_join_through_postgres_and_the_cluster_notices_when_one_stops()
    {
        var connectionString = await postgres.CreateDatabaseAsync("membership");
        const string clusterId = "membership-test";
        await using var system = new LocalSystem(new LocalSystemOptions { ClusterId = clusterId });
        system.AttachDatabase(connectionString);

        var siloA = await system.StartSiloAsync(new SiloSpec("silo-a", Cards));
        var siloB = await system.StartSiloAsync(new SiloSpec("silo-b", Cards));
        var frontend = await system.StartFrontendAsync();

        var active = await Eventually.HoldsAsync(() => MembershipTable.ActiveSilosAsync(connectionString, clusterId),
            silos => silos.Length == 2, ClusterTimeout, "both silos Active in the membership table");
        Assert.Equal(["silo-a", "silo-b"], active);
        await Eventually.HoldsAsync(() => ReadinessProbe.ActiveSilosAsync(frontend.BaseAddress, "cluster"),
            silos => silos == "silo-a,silo-b", ClusterTimeout, "the frontend to see both silos");

        var exitCode = await siloB.Process.StopAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, exitCode);
        var rows = await Eventually.HoldsAsync(() => MembershipTable.ReadAsync(connectionString, clusterId),
            r => r.Any(row => row is { SiloName: "silo-b", Status: MembershipTable.Dead }), ClusterTimeout, "silo-b Dead in the table");
        Assert.Contains(rows, row => row is { SiloName: "silo-a", Status: MembershipTable.Active });
        await Eventually.HoldsAsync(() => ReadinessProbe.ActiveSilosAsync(siloA.BaseAddress, "silo"),
            silos => silos == "silo-a", ClusterTimeout, "silo-a to see it is alone");
        await Eventually.HoldsAsync(() => ReadinessProbe.ActiveSilosAsync(frontend.BaseAddress, "cluster"),
            silos => silos == "silo-a", ClusterTimeout, "the frontend to see only silo-a");
    }

    [Fact]
    public async Task Grain_state_written_through_one_cluster_is_read_back_after_a_full_restart()
    {
        var connectionString = await postgres.CreateDatabaseAsync("restart");
        const string clusterId = "restart-test";
        var key = VoiceKey.Of("tenant-a", "anchor");
        var design = new VoiceDesign("35-year-old woman, calm, news-anchor tone", "english", Seed: 42);

        VoiceProfile written;
        await using (var first = new LocalSystem(new LocalSystemOptions { ClusterId = clusterId }))
        {
            first.AttachDatabase(connectionString);
            await first.StartSiloAsync(new SiloSpec("silo-a", Cards));
            await first.StartSiloAsync(new SiloSpec("silo-b", Cards));
            await using var client = await ClusterClientHost.ConnectAsync(connectionString, clusterId);
            var result = await client.Client.GetGrain<IVoiceProfileGrain>(key).CreateAsync(design);
            Assert.Equal(VoiceWriteStatus.Created, result.Status);
            written = result.Profile!;
            await first.StopAsync();
        }

        await using var second = new LocalSystem(new LocalSystemOptions { ClusterId = clusterId });
        second.AttachDatabase(connectionString);
        await second.StartSiloAsync(new SiloSpec("silo-c", Cards));
        await second.StartSiloAsync(new SiloSpec("silo-d", Cards));
        await using var newClient = await ClusterClientHost.ConnectAsync(connectionString, clusterId);

        var read = await newClient.Client.GetGrain<IVoiceProfileGrain>(key).GetAsync();

        Assert.Equal(written, read);
        Assert.Equal(42UL, read!.Seed);
    }
}
