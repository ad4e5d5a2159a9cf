using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>Asynchronous jobs' segments are background work on a card: they leave a slot and the queue to realtime requests.</summary>
[Collection(PostgresCollection.Name)]
public sealed class BackgroundPriorityTests(PostgresFixture postgres, MiniatureModelFixture models)
{
    [Fact]
    public async Task Background_work_never_takes_the_last_slot_nor_realtime_queue_room_so_a_realtime_request_starts_at_once()
    {
        await using var cluster = await InProcessCluster.StartAsync(new InProcessCluster.Settings(await postgres.CreateDatabaseAsync("priority"), models.VoiceDesign)
        {
            Silos = 1,
            Cards = _ => new Dictionary<string, string?>
            {
                ["Devices:Cards:0:Index"] = "0", ["Devices:Cards:0:Emulate"] = "ascend-910b", ["Devices:Cards:0:RelativeSpeed"] = "1.0",
                ["Devices:Cards:0:MemoryGiB"] = "64", ["Devices:Cards:0:MaxConcurrent"] = "3", ["Devices:Cards:0:QueueLimit"] = "2",
            },
        });
        var card = cluster.Client.GetGrain<IDeviceGrain>("Silo_0/0");
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // Four background segments: two run (all slots but one), two wait; a fifth finds the card full for background work.
        var background = Enumerable.Range(0, 4).Select(_ => FirstEventsAsync(card, Job(background: true), stop.Token)).ToList();
        var load = await Eventually.HoldsAsync(card.GetLoadAsync, l => l.Active == 2 && l.Queued == 2, TimeSpan.FromSeconds(30), "2 running, 2 waiting");
        Assert.Equal(3, load.MaxConcurrent);
        await using (var refused = card.SynthesizeAsync(Job(background: true), stop.Token).GetAsyncEnumerator(stop.Token))
        {
            Assert.True(await refused.MoveNextAsync());
            Assert.Equal(SynthesisEventKind.Rejected, refused.Current.Kind);
        }

        // A realtime request is admitted despite the full background queue and starts in the free slot at once.
        await using var realtime = card.SynthesizeAsync(Job(background: false), stop.Token).GetAsyncEnumerator(stop.Token);
        Assert.True(await realtime.MoveNextAsync());
        Assert.Equal(SynthesisEventKind.Admitted, realtime.Current.Kind);
        Assert.True(await realtime.MoveNextAsync());
        Assert.Equal(SynthesisEventKind.Audio, realtime.Current.Kind);
        var during = await card.GetLoadAsync();
        Assert.Equal(3, during.Active);
        Assert.Equal(2, during.Queued); // the background work still waits

        await stop.CancelAsync();
        await Task.WhenAll(background).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing | ConfigureAwaitOptions.ContinueOnCapturedContext);
    }

    private static SynthesisJob Job(bool background) => ClusterJobs.Job(ClusterJobs.LongText) with { Background = background };

    private static Task FirstEventsAsync(IDeviceGrain card, SynthesisJob job, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        await foreach (var _ in card.SynthesizeAsync(job, cancellationToken).WithCancellation(cancellationToken))
        {
        }
    }, CancellationToken.None);
}
