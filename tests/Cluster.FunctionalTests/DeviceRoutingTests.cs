using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using QwenTts.Devices;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>Device grains pinned to their silos, least-expected-completion routing, saturation, killed silos, re-routing.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DeviceRoutingTests(PostgresFixture postgres, MiniatureModelFixture models)
{
    private static IReadOnlyDictionary<string, string?> Card(double speed, int maxConcurrent = 4, int queueLimit = 16, string emulate = "ascend-910b") =>
        new Dictionary<string, string?>
        {
            ["Devices:Cards:0:Index"] = "0",
            ["Devices:Cards:0:Emulate"] = emulate,
            ["Devices:Cards:0:RelativeSpeed"] = speed.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Devices:Cards:0:MemoryGiB"] = "64",
            ["Devices:Cards:0:MaxConcurrent"] = maxConcurrent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Devices:Cards:0:QueueLimit"] = queueLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

    private async Task<Orleans.TestingHost.InProcessTestCluster> StartAsync(Func<string, IReadOnlyDictionary<string, string?>> cards, short silos = 2) =>
        await InProcessCluster.StartAsync(new InProcessCluster.Settings(await postgres.CreateDatabaseAsync("routing"), models.VoiceDesign)
        {
            Silos = silos,
            Cards = cards,
        });

    /// <summary>A router over the cluster's two cards whose table refreshes as in the frontend (dispose it).</summary>
    private static async Task<(DeviceRouter Router, SynthesisDispatcher Dispatcher)> RefreshingRoutingAsync(Orleans.TestingHost.InProcessTestCluster cluster,
        RoutingOptions? options = null)
    {
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client, options);
        await DevicesAsync(router, 2);
        router.Start();
        return (router, dispatcher);
    }

    private static async Task<IReadOnlyList<DeviceLoad>> DevicesAsync(DeviceRouter router, int expected)
    {
        return await Eventually.HoldsAsync(async () =>
        {
            await router.RefreshAsync();
            return router.Devices;
        }, d => d.Count == expected, TimeSpan.FromSeconds(30), $"{expected} cards in the registry");
    }

    [Fact]
    public async Task Every_device_grain_runs_on_the_silo_named_in_its_key_and_advertises_its_emulated_kind()
    {
        await using var cluster = await StartAsync(silo => silo.EndsWith('0')
            ? new Dictionary<string, string?>(Card(1.0)) { ["Devices:Cards:1:Index"] = "1", ["Devices:Cards:1:Emulate"] = "hygon-dcu", ["Devices:Cards:1:RelativeSpeed"] = "0.78" }
            : Card(0.78, emulate: "hygon-dcu"));
        var (router, _) = InProcessCluster.Routing(cluster.Client);

        var devices = await DevicesAsync(router, 3);

        Assert.All(devices, d => Assert.Equal(d.Device.Silo, d.HostSilo));
        Assert.Equal(["Silo_0/0", "Silo_0/1", "Silo_1/0"], devices.Select(d => d.Device.Key));
        Assert.Equal([DeviceKind.Ascend, DeviceKind.Hygon, DeviceKind.Hygon], devices.Select(d => d.Kind));
        Assert.All(devices, d => Assert.True(d.Emulated));
        Assert.All(devices, d => Assert.Equal("CPUExecutionProvider", d.Provider));
        var direct = await cluster.Client.GetGrain<IDeviceGrain>("Silo_1/0").GetLoadAsync();
        Assert.Equal("Silo_1", direct.HostSilo);
    }

    [Fact]
    public async Task A_request_goes_to_the_card_that_finishes_it_first_across_silos_and_kinds()
    {
        await using var cluster = await StartAsync(silo => silo.EndsWith('0') ? Card(1.0) : Card(0.5, emulate: "hygon-dcu"));
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client);
        await DevicesAsync(router, 2);

        // Idle: the faster card finishes any request first.
        var idlePick = router.Pick(100, new HashSet<DeviceId>())!;
        router.Release(idlePick);
        Assert.Equal("Silo_0/0", idlePick.Device.Key);

        // Load the fast card directly (not through the router); now the slow, idle card finishes a request first.
        var fastCard = cluster.Client.GetGrain<IDeviceGrain>("Silo_0/0");
        var load = Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            var frames = 0;
            await foreach (var e in fastCard.SynthesizeAsync(ClusterJobs.Job(ClusterJobs.LongText, seed: (ulong)i)))
            {
                frames += e.Samples?.Length / 1920 ?? 0;
            }

            return frames;
        })).ToArray();
        var fast = await Eventually.HoldsAsync(async () =>
        {
            await router.RefreshAsync();
            return router.Devices.Single(d => d.Device.Key == "Silo_0/0");
        }, d => d.Active == 3, TimeSpan.FromSeconds(10), "three utterances running on the fast card");
        Assert.True(fast.QueuedWorkFrames > 300, $"fast card queued work {fast.QueuedWorkFrames}");

        var busyPick = router.Pick(30, new HashSet<DeviceId>())!;
        router.Release(busyPick);
        Assert.Equal("Silo_1/0", busyPick.Device.Key);
        var (routed, _) = await ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText));
        Assert.Equal("Silo_1/0", routed.Device);
        Assert.All(await Task.WhenAll(load), frames => Assert.True(frames > 100));
    }

    [Fact]
    public async Task A_full_cluster_refuses_once_the_admission_timeout_passes_with_a_retry_hint_and_never_hangs()
    {
        await using var cluster = await StartAsync(_ => Card(1.0, maxConcurrent: 1, queueLimit: 0));
        // The card table refreshes as in the frontend: a wait ends when a card reports room, or at the timeout
        var (router, dispatcher) = await RefreshingRoutingAsync(cluster, new RoutingOptions { AdmissionTimeout = TimeSpan.FromSeconds(1) });
        await using var refreshing = router;
        var first = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText));
        var second = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText));

        var watch = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<ClusterSaturatedException>(() => ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText)));

        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Contains("within 1 s", refused.Message, StringComparison.Ordinal);
        Assert.InRange(refused.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Equal(0, router.Waiting);
        var done = await Task.WhenAll(first, second);
        Assert.Equal(2, done.Select(d => d.Item1.Device).Distinct().Count());
        // Once they finish the cluster takes work again (a card's last report may lag its completion: the request waits for it).
        var (summary, audio) = await ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText));
        Assert.Equal(summary.Frames * 1920, audio.Length);
    }

    [Fact]
    public async Task Requests_that_find_every_card_full_wait_their_turn_and_run_once_a_card_frees()
    {
        await using var cluster = await StartAsync(_ => Card(1.0, maxConcurrent: 1, queueLimit: 0));
        // The card table refreshes as in the frontend, so waiting requests see cards free up
        var (router, dispatcher) = await RefreshingRoutingAsync(cluster, new RoutingOptions { AdmissionTimeout = TimeSpan.FromSeconds(60) });
        await using var refreshing = router;
        var busy = await Task.WhenAll(
            ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText)),
            ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText)));

        // Both cards are full (one slot, no queue): three more requests wait in the router, none is refused.
        var waiting = Enumerable.Range(0, 3).Select(i => ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText, seed: (ulong)(10 + i)))).ToList();
        await Eventually.HoldsAsync(() => Task.FromResult(router.Waiting), n => n == 3, TimeSpan.FromSeconds(10), "three requests waiting for room");
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        var done = await Task.WhenAll(waiting);
        await Task.WhenAll(busy);
        Assert.All(done, d => Assert.Equal(d.Summary.Frames * 1920, d.Audio.Length));
        Assert.Equal(0, router.Waiting);
    }

    [Fact]
    public async Task A_stalled_card_hands_its_running_stream_to_another_card_and_the_client_gets_the_same_audio()
    {
        await using var cluster = await StartAsync(_ => Card(1.0, maxConcurrent: 2));
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client);
        await DevicesAsync(router, 2);
        var reference = await ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText, seed: 7));

        // The same request again; once its first audio arrives, its card stalls for a minute.
        var audio = new List<float>();
        var watch = Stopwatch.StartNew();
        SynthesisSummary? summary = null;
        string? firstCard = null;
        await foreach (var e in dispatcher.RunAsync(ClusterJobs.Job(ClusterJobs.LongText, seed: 7)))
        {
            if (e.Kind == SynthesisEventKind.Audio)
            {
                if (firstCard is null)
                {
                    var loads = await Task.WhenAll(router.Devices.Select(d => cluster.Client.GetGrain<IDeviceGrain>(d.Device.Key).GetLoadAsync()));
                    firstCard = loads.Single(d => d.Active > 0).Device.Key;
                    var silo = cluster.Silos.Single(s => s.Name == DeviceId.Parse(firstCard).Silo);
                    silo.ServiceProvider.GetRequiredService<DeviceHost>().Get(0).Pacer!.Stall(TimeSpan.FromMinutes(1));
                    watch.Restart();
                }

                audio.AddRange(e.Samples!);
            }
            else if (e.Kind == SynthesisEventKind.Completed)
            {
                summary = e.Summary;
            }
        }

        Assert.NotNull(summary);
        Assert.NotEqual(firstCard, summary!.Device);
        Assert.InRange(summary.ResumedFrames, 1, summary.Frames - 1); // the new card replayed what the client had, not all of it
        Assert.Equal(reference.Summary.Frames, summary.Frames);
        Assert.Equal(reference.Audio, audio.ToArray()); // same model, same seed: the splice is exact
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed} after the stall began");
        var stalled = router.Devices.Single(d => d.Device.Key == firstCard);
        Assert.True(stalled.Stalled || stalled.Active == 0, "the stalled card reports itself stalled until its audio flows again");
    }

    [Fact]
    public async Task A_stream_whose_card_falls_behind_playback_moves_to_a_card_that_keeps_ahead_and_the_client_gets_the_same_audio()
    {
        await using var cluster = await StartAsync(_ => Card(1.0, maxConcurrent: 2));
        var (router, dispatcher) = await RefreshingRoutingAsync(cluster);
        await using var refreshing = router;
        var reference = await ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText, seed: 11));

        long moves = 0, failovers = 0;
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RoutingMetrics.MeterName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "qwentts.routing.moves")
            {
                Interlocked.Add(ref moves, value);
            }
            else if (instrument.Name == "qwentts.routing.failovers")
            {
                Interlocked.Add(ref failovers, value);
            }
        });
        meters.Start();

        // The same request again; once its first piece arrives, its card drops to 5 frames a second (0.4x real time),
        // well but too slow for its listener. It is not stalled: it keeps making audio, only slower than playback.
        var audio = new List<float>();
        var pieces = 0;
        SynthesisSummary? summary = null;
        DeviceId? slowed = null;
        var watch = Stopwatch.StartNew();
        await foreach (var e in dispatcher.RunAsync(ClusterJobs.Job(ClusterJobs.LongText, seed: 11)))
        {
            if (e.Kind == SynthesisEventKind.Audio)
            {
                if (++pieces == 1)
                {
                    var loads = await Task.WhenAll(router.Devices.Select(d => cluster.Client.GetGrain<IDeviceGrain>(d.Device.Key).GetLoadAsync()));
                    slowed = loads.Single(d => d.Active > 0).Device;
                    cluster.Silos.Single(s => s.Name == slowed.Value.Silo).ServiceProvider.GetRequiredService<DeviceHost>().Get(0).Pacer!.SlowDown(10);
                    watch.Restart();
                }

                audio.AddRange(e.Samples!);
            }
            else if (e.Kind == SynthesisEventKind.Completed)
            {
                summary = e.Summary;
            }
        }

        Assert.NotNull(summary);
        Assert.NotEqual(slowed!.Value.Key, summary!.Device);
        Assert.InRange(summary.ResumedFrames, 1, summary.Frames - 1); // the new card replayed what the client had
        Assert.Equal(reference.Audio, audio.ToArray()); // same model, same seed: the splice is exact
        Assert.Equal(1, Interlocked.Read(ref moves)); // moved because it fell behind, not failed over as a dead card
        Assert.Equal(0, Interlocked.Read(ref failovers));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed} after the card slowed down");
    }

    [Fact]
    public async Task A_stream_whose_listener_stops_reading_leaves_its_card_in_rotation()
    {
        // A frontend killed mid-stream stops reading without a word; Orleans drops the call about 10 s later. Until then
        // the card owes that stream nothing, and must not call itself stalled (which would take it out of rotation).
        await using var cluster = await StartAsync(_ => Card(1.0), silos: 1);
        var (router, _) = InProcessCluster.Routing(cluster.Client);
        var card = cluster.Client.GetGrain<IDeviceGrain>((await DevicesAsync(router, 1)).Single().Device.Key);
        await using var events = card.SynthesizeAsync(ClusterJobs.Job(ClusterJobs.LongText, seed: 7)).GetAsyncEnumerator();
        do
        {
            Assert.True(await events.MoveNextAsync(), "the stream ended before its first audio");
        }
        while (events.Current.Kind != SynthesisEventKind.Audio);

        await Task.Delay(TimeSpan.FromSeconds(5)); // past the stall bound (at least 2 s), not reading
        var unread = await card.GetLoadAsync();
        Assert.False(unread.Stalled, "a card whose listener stopped reading called itself stalled");
        Assert.Equal(1, unread.Active);
        Assert.True(unread.HasRoom);

        SynthesisSummary? summary = null;
        while (summary is null && await events.MoveNextAsync())
        {
            summary = events.Current.Summary;
        }

        Assert.NotNull(summary); // read again, the stream goes on to its end
        Assert.False((await card.GetLoadAsync()).Stalled);
    }

    [Fact]
    public async Task A_card_emptied_by_its_stall_takes_no_work_until_a_probe_speaks_then_takes_work_at_its_old_rate()
    {
        await using var cluster = await StartAsync(_ => Card(1.0, maxConcurrent: 2));
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client);
        await DevicesAsync(router, 2);

        // Once the request's first audio arrives, its card stalls for 20 s; the request goes on elsewhere.
        IDeviceGrain? stalledCard = null;
        DeviceLoad? emptied = null;
        var stall = TimeSpan.FromSeconds(20);
        var watch = Stopwatch.StartNew();
        await foreach (var e in dispatcher.RunAsync(ClusterJobs.Job(ClusterJobs.LongText, seed: 7)))
        {
            if (e.Kind == SynthesisEventKind.Audio && stalledCard is null)
            {
                var loads = await Task.WhenAll(router.Devices.Select(d => cluster.Client.GetGrain<IDeviceGrain>(d.Device.Key).GetLoadAsync()));
                var card = loads.Single(d => d.Active > 0).Device;
                cluster.Silos.Single(s => s.Name == card.Silo).ServiceProvider.GetRequiredService<DeviceHost>().Get(0).Pacer!.Stall(stall);
                stalledCard = cluster.Client.GetGrain<IDeviceGrain>(card.Key);
                watch.Restart();
            }
            else if (e.Kind == SynthesisEventKind.Admitted && stalledCard is not null && emptied is null)
            {
                // Taken over by another card: the stalled one lets go of the stream, yet stays stalled, with no room for
                // new work, which would only be caught by the same stall.
                emptied = await Eventually.HoldsAsync(stalledCard.GetLoadAsync, l => l.Active == 0, TimeSpan.FromSeconds(5), "the stalled card emptied");
            }
        }

        Assert.NotNull(emptied);
        Assert.True(watch.Elapsed < stall, $"the request took {watch.Elapsed} after the stall began, longer than the stall");
        Assert.True(emptied!.Stalled, "an emptied card stays stalled until audio flows on it again");
        Assert.False(emptied.HasRoom);
        Assert.True((await stalledCard!.GetLoadAsync()).Stalled, "still stalled once the request is done elsewhere");

        // The stall ends: the probe speaks, the card takes work again, and at the rate it had before (not the stall's halving).
        var back = await Eventually.HoldsAsync(stalledCard.GetLoadAsync, l => !l.Stalled, TimeSpan.FromSeconds(30), "the card back after its stall");
        Assert.True(watch.Elapsed >= stall, $"back after {watch.Elapsed}, before the stall ended");
        Assert.True(back.HasRoom);
        Assert.True(back.FramesPerSecond > emptied.FramesPerSecond, $"rate {back.FramesPerSecond:F1} after the stall, {emptied.FramesPerSecond:F1} during it");
    }

    [Fact]
    public async Task A_card_that_slows_down_hands_back_what_waits_on_it_and_another_card_runs_it()
    {
        await using var cluster = await StartAsync(_ => Card(1.0, maxConcurrent: 1));
        var (router, dispatcher) = await RefreshingRoutingAsync(cluster);
        await using var refreshing = router;
        var first = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText, seed: 1));
        var second = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText, seed: 2));

        // Both cards run one; the third waits on one of them, which then runs at a quarter of its speed.
        var waiter = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText, seed: 3));
        var loads = await Task.WhenAll(router.Devices.Select(d => cluster.Client.GetGrain<IDeviceGrain>(d.Device.Key).GetLoadAsync()));
        var slowed = loads.Single(d => d.Queued == 1).Device;
        cluster.Silos.Single(s => s.Name == slowed.Silo).ServiceProvider.GetRequiredService<DeviceHost>().Get(0).Pacer!.SlowDown(4);

        // The card learns its new rate, hands the waiting request back, and the other card runs it.
        var (summary, audio) = await waiter;
        Assert.NotEqual(slowed.Key, summary.Device);
        Assert.Equal(summary.Frames * 1920, audio.Length);
        await Task.WhenAll(first, second);
    }

    [Fact]
    public async Task A_card_queues_jobs_by_when_they_reached_the_cluster_so_one_handed_back_by_another_card_keeps_its_place()
    {
        await using var cluster = await StartAsync(_ => Card(1.0, maxConcurrent: 1), silos: 1);
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client);
        await DevicesAsync(router, 1);
        var busy = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText));

        // The younger request is queued first; the older one (handed back by a card that stalled, say) still goes before it.
        var younger = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText, seed: 2) with { SubmittedAt = DateTimeOffset.UtcNow });
        var older = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText, seed: 3) with { SubmittedAt = DateTimeOffset.UtcNow.AddSeconds(-10) });
        var finished = new List<string>();
        await Task.WhenAll(younger.ContinueWith(_ => { lock (finished) { finished.Add("younger"); } }), older.ContinueWith(_ => { lock (finished) { finished.Add("older"); } }));

        Assert.Equal(["older", "younger"], finished);
        Assert.True((await busy).Summary.Frames > 0);
    }

    [Fact]
    public async Task A_silo_that_joins_takes_load_within_seconds()
    {
        // One silo with a slow card, busy; a faster one joins and the next requests go to it.
        await using var cluster = await StartAsync(silo => silo.EndsWith('0') ? Card(0.3, emulate: "hygon-dcu") : Card(1.0), silos: 1);
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client);
        await DevicesAsync(router, 1);
        var busy = await ClusterJobs.StartAsync(dispatcher, ClusterJobs.Job(ClusterJobs.LongText));

        var watch = Stopwatch.StartNew();
        await cluster.StartAdditionalSiloAsync();
        await DevicesAsync(router, 2);
        var joinedIn = watch.Elapsed;
        var (routed, audio) = await ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText));

        Assert.Equal("Silo_1/0", routed.Device);
        Assert.NotEmpty(audio);
        Assert.True(joinedIn < TimeSpan.FromSeconds(30), $"the new silo's card reached routing after {joinedIn}");
        Assert.True((await busy).Summary.Frames > 0);
    }

    [Fact]
    public async Task A_killed_silo_disappears_from_routing_within_seconds_and_its_requests_are_rerouted_once()
    {
        // Silo_1's card is faster, so a router that has not noticed the kill picks it first.
        await using var cluster = await StartAsync(silo => silo.EndsWith('1') ? Card(1.0) : Card(0.3, emulate: "hygon-dcu"));
        var (router, dispatcher) = InProcessCluster.Routing(cluster.Client);
        await DevicesAsync(router, 2);
        var stale = InProcessCluster.Routing(cluster.Client);
        await stale.Router.RefreshAsync();

        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.Name == "Silo_1"));
        var watch = Stopwatch.StartNew();

        // The stale router still believes in Silo_1's card: the request fails to start there and goes to Silo_0.
        var (rerouted, audio) = await ClusterJobs.RunAsync(stale.Dispatcher, ClusterJobs.Job(ClusterJobs.ShortText));
        Assert.Equal("Silo_0/0", rerouted.Device);
        Assert.NotEmpty(audio);

        var remaining = await Eventually.HoldsAsync(async () =>
        {
            await router.RefreshAsync();
            return router.Devices;
        }, d => d.All(x => x.Device.Silo == "Silo_0"), TimeSpan.FromSeconds(20), "the registry to drop Silo_1's card");
        Assert.Single(remaining);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");

        var after = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => ClusterJobs.RunAsync(dispatcher, ClusterJobs.Job(ClusterJobs.ShortText, seed: (ulong)i))));
        Assert.All(after, r => Assert.Equal("Silo_0/0", r.Summary.Device));
    }
}
