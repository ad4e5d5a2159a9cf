using Microsoft.Extensions.Time.Testing;
using QwenTts.Devices.Cards;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;

namespace QwenTts.Cluster.UnitTests;

/// <summary>Learned card speeds, degraded and stalled cards, and the per-kind capacity figures autoscaling reads.</summary>
public sealed class CapacityTests
{
    [Fact]
    public void A_card_learns_its_rate_from_what_it_produces_starting_from_a_guess()
    {
        var clock = new FakeTimeProvider();
        var meter = new ThroughputMeter(initialFramesPerSecond: 30, clock);
        meter.Busy(true);
        for (var second = 0; second < 15; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            meter.Produced(39); // a Hygon-like card at 0.78 of 50 frames/s
            meter.Sample();
        }

        Assert.InRange(meter.FramesPerSecond, 38.5, 39.5);
    }

    [Fact]
    public void A_card_that_slows_down_is_learned_within_two_seconds_and_chunks_that_straddle_a_sample_do_not_make_it_look_slow()
    {
        var clock = new FakeTimeProvider();
        var meter = new ThroughputMeter(initialFramesPerSecond: 50, clock);
        meter.Busy(true);

        // A steady card at 50 frames/s sends a 24-frame chunk every 0.48 s; samples taken between chunks, once a second,
        // must still read 50 (a sample that ended mid-chunk would read 48 or 72 frames a second).
        for (var chunk = 0; chunk < 25; chunk++)
        {
            clock.Advance(TimeSpan.FromSeconds(0.3));
            if (chunk % 2 == 1)
            {
                meter.Sample(); // in the middle of a chunk
            }

            clock.Advance(TimeSpan.FromSeconds(0.18));
            meter.Produced(24);
        }

        meter.Sample();
        Assert.InRange(meter.FramesPerSecond, 49, 51);

        // Half speed: a chunk every 0.96 s. One slow sample moves the average only a little (it might be a fluke); the
        // second confirms it, and two seconds after the slowdown routing sees most of the drop.
        clock.Advance(TimeSpan.FromSeconds(0.96));
        meter.Produced(24);
        meter.Sample();
        Assert.InRange(meter.FramesPerSecond, 40.5, 45); // above 50 / 1.25: nothing is handed back on one sample
        clock.Advance(TimeSpan.FromSeconds(0.96));
        meter.Produced(24);
        meter.Sample();
        Assert.InRange(meter.FramesPerSecond, 25, 31);
    }

    [Fact]
    public void Idle_time_does_not_dilute_the_rate_a_stall_halves_it_and_audio_afterwards_restores_it()
    {
        var clock = new FakeTimeProvider();
        var meter = new ThroughputMeter(initialFramesPerSecond: 50, clock);
        clock.Advance(TimeSpan.FromSeconds(10)); // idle
        meter.Sample();
        Assert.Equal(50, meter.FramesPerSecond);

        meter.Busy(true);
        meter.Stalled();
        clock.Advance(TimeSpan.FromSeconds(1));
        meter.Stalled();
        clock.Advance(TimeSpan.FromSeconds(1));
        meter.Sample();
        Assert.Equal(12.5, meter.FramesPerSecond);
        Assert.Equal(50, meter.WorkingFramesPerSecond); // the card's stall bound comes from this, so it does not grow as the stall goes on

        meter.Recovered(); // audio again: the rate from before the stall, and the stall's busy time forgotten
        Assert.Equal(50, meter.FramesPerSecond);
        clock.Advance(TimeSpan.FromSeconds(1));
        meter.Produced(50);
        meter.Sample();
        Assert.Equal(50, meter.FramesPerSecond, precision: 6);
    }

    [Fact]
    public async Task A_slowed_card_takes_twice_as_long_and_a_stalled_one_releases_nothing_until_the_stall_ends()
    {
        PacerTestClock.RunContinuationsInline();
        var clock = new FakeTimeProvider();
        var pacer = new CardPacer(framesPerSecond: 10, clock);
        using var utterance = pacer.Running();
        pacer.SlowDown(2);
        var slowed = utterance.ReserveAsync(5, CancellationToken.None); // 1 s instead of 0.5 s
        await clock.DueAfterAsync(slowed, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(100));

        pacer.SlowDown(1);
        pacer.Stall(TimeSpan.FromSeconds(3));
        var stalled = utterance.ReserveAsync(5, CancellationToken.None); // 3 s of stall, then 0.5 s
        await clock.DueAfterAsync(stalled, TimeSpan.FromSeconds(3.4), TimeSpan.FromMilliseconds(100));

        // Frames already under way when a stall begins are held back by it too: a stalled card sends nothing at all.
        var underWay = utterance.ReserveAsync(10, CancellationToken.None); // due in 1 s
        clock.Advance(TimeSpan.FromMilliseconds(500));
        pacer.Stall(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromMilliseconds(600)); // past the 1 s it was due at
        Assert.False(underWay.IsCompleted);
        await clock.DueAfterAsync(underWay, TimeSpan.FromSeconds(1.8), TimeSpan.FromMilliseconds(100)); // waiting at 2.9 s, made at 3 s: 1 s + the 2 s stall

        // A slowdown in the middle of a chunk re-times the rest of it: half made at full speed, half at half speed.
        var slowedMidway = utterance.ReserveAsync(10, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(500));
        pacer.SlowDown(2);
        await clock.DueAfterAsync(slowedMidway, TimeSpan.FromMilliseconds(900), TimeSpan.FromMilliseconds(100));
    }

    [Fact]
    public async Task An_idle_utterance_counts_the_time_spent_computing_a_chunk_towards_its_pace_and_a_busy_one_does_not()
    {
        PacerTestClock.RunContinuationsInline();
        var clock = new FakeTimeProvider();
        var pacer = new CardPacer(framesPerSecond: 10, clock);
        using var utterance = pacer.Running();
        var computingSince = pacer.Now;
        clock.Advance(TimeSpan.FromMilliseconds(300)); // the chunk took 0.3 s to compute on an idle card
        var chunk = utterance.ReserveAsync(5, CancellationToken.None, computingSince); // 0.5 s from when the work began
        await clock.DueAfterAsync(chunk, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(50));

        // Its next chunk asked for before the first is made waits for it, then takes its own 0.5 s.
        var first = utterance.ReserveAsync(5, CancellationToken.None);
        var second = utterance.ReserveAsync(5, CancellationToken.None, computingSince);
        clock.Advance(TimeSpan.FromMilliseconds(900));
        await first;
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await second;
        Assert.Equal(15, pacer.FramesMade, precision: 6); // each chunk's frames once, the second's counted while the first's were made

        // Time the card spent stalled while the chunk was computed is no credit: a stalled card makes nothing.
        clock.Advance(TimeSpan.FromSeconds(1)); // idle (its listener reading): it asks for nothing
        var stalledSince = pacer.Now;
        clock.Advance(TimeSpan.FromMilliseconds(100));
        pacer.Stall(TimeSpan.FromSeconds(2));
        clock.Advance(TimeSpan.FromMilliseconds(200));
        var afterStall = utterance.ReserveAsync(5, CancellationToken.None, stalledSince); // 0.1 s made before it, 0.4 s after the stall ends at 2.1 s
        await clock.DueAfterAsync(afterStall, TimeSpan.FromMilliseconds(2150), TimeSpan.FromMilliseconds(50)); // 2.45 s after it began computing
        Assert.Equal(20, pacer.FramesMade, precision: 6);
    }

    [Fact]
    public async Task A_paced_card_counts_frames_as_its_clock_makes_them_not_when_their_chunk_is_due_and_never_a_replay()
    {
        PacerTestClock.RunContinuationsInline();
        var clock = new FakeTimeProvider();
        var pacer = new CardPacer(framesPerSecond: 10, clock, batchStepCost: 0.5);
        using var utterance = pacer.Running();
        var replay = utterance.ReserveAsync(5, CancellationToken.None, counts: false); // a resumed stream's known frames
        await clock.DueAfterAsync(replay, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(100));
        Assert.Equal(0, pacer.FramesMade, precision: 6);

        var chunk = utterance.ReserveAsync(24, CancellationToken.None); // due in 2.4 s
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(10, pacer.FramesMade, precision: 6); // made so far, though none of the chunk has left
        Assert.False(chunk.IsCompleted);

        // A second utterance shares the step: each makes 10 / 1.5 frames a second, the card 13.3 in all.
        using var other = pacer.Running();
        var its = other.ReserveAsync(4, CancellationToken.None);
        clock.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal(10 + (2 * 0.3 * 10 / 1.5), pacer.FramesMade, precision: 6);
        await clock.DueAfterAsync(its, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(100));
        other.Dispose();
        clock.Advance(TimeSpan.FromSeconds(2));
        await chunk;
        Assert.Equal(28, pacer.FramesMade, precision: 6);

        // Idle (its listener reading, nothing asked) or stalled, a card makes nothing.
        clock.Advance(TimeSpan.FromSeconds(1));
        var stalled = utterance.ReserveAsync(10, CancellationToken.None);
        pacer.Stall(TimeSpan.FromSeconds(1));
        clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(28, pacer.FramesMade, precision: 6);
        await clock.DueAfterAsync(stalled, TimeSpan.FromSeconds(1.4), TimeSpan.FromMilliseconds(100));
        Assert.Equal(38, pacer.FramesMade, precision: 6);
    }

    [Fact]
    public async Task A_stream_joining_a_busy_batching_card_makes_its_first_frames_at_once_at_its_share_not_behind_the_others()
    {
        PacerTestClock.RunContinuationsInline();
        var clock = new FakeTimeProvider();
        var pacer = new CardPacer(framesPerSecond: 10, clock, batchStepCost: 0.5);
        var long_ = pacer.Running();
        var longChunk = long_.ReserveAsync(50, CancellationToken.None); // 5 s alone
        clock.Advance(TimeSpan.FromSeconds(1)); // 10 made

        // Two in a step: each makes 10 / 1.5 frames/s. The newcomer's 4 frames take 0.6 s, not the 4 s left of the other's chunk.
        using var joiner = pacer.Running();
        var first = joiner.ReserveAsync(4, CancellationToken.None);
        await clock.DueAfterAsync(first, TimeSpan.FromMilliseconds(550), TimeSpan.FromMilliseconds(50));
        joiner.Dispose(); // 4 more of the long chunk made meanwhile: 36 left, alone again at 10 frames/s

        await clock.DueAfterAsync(longChunk, TimeSpan.FromMilliseconds(3550), TimeSpan.FromMilliseconds(50));
        long_.Dispose();
    }

    [Fact]
    public void Kind_capacity_sums_queued_work_in_seconds_and_counts_only_cards_in_rotation()
    {
        var kinds = KindCapacity.Of(
        [
            Card(0, DeviceKind.Ascend, fps: 50, work: 100, active: 2),
            Card(1, DeviceKind.Ascend, fps: 25, work: 50, active: 4),
            Card(2, DeviceKind.Ascend, fps: 50, work: 0, active: 0) with { Draining = true },
            Card(3, DeviceKind.Hygon, fps: 40, work: 80, active: 1) with { Healthy = false },
        ]);

        var ascend = Assert.Single(kinds, k => k.Kind == "ascend");
        Assert.Equal(2, ascend.Cards);
        Assert.Equal((100 / 50.0) + (50 / 25.0), ascend.QueuedWorkSeconds, precision: 9);
        Assert.Equal(2.0, ascend.QueuedWorkSecondsPerCard, precision: 9);
        Assert.Equal(6 / 8.0, ascend.Utilisation, precision: 9);
        Assert.Equal(75, ascend.FramesPerSecond);
        var hygon = Assert.Single(kinds, k => k.Kind == "hygon");
        Assert.Equal(0, hygon.Cards); // its work still counts: the autoscaler must add a card
        Assert.Equal(2.0, hygon.QueuedWorkSeconds, precision: 9);
    }

    [Fact]
    public void A_kind_with_no_cards_is_exported_with_the_work_no_card_can_take_so_it_can_scale_from_zero()
    {
        var kinds = KindCapacity.Of([Card(0, DeviceKind.Ascend, fps: 40, work: 400, active: 4), Card(1, DeviceKind.Ascend, fps: 20, work: 0, active: 4)],
            unplacedFrames: 300);

        Assert.Equal(["ascend", "cpu", "hygon", "nvidia"], kinds.Select(k => k.Kind));
        var ascend = Assert.Single(kinds, k => k.Kind == "ascend");
        Assert.Equal(400 / 40.0, ascend.QueuedWorkSeconds, precision: 9); // present kinds: their own cards' queues only
        var nvidia = Assert.Single(kinds, k => k.Kind == "nvidia");
        Assert.Equal(0, nvidia.Cards);
        Assert.Equal(300 / 30.0, nvidia.QueuedWorkSeconds, precision: 9); // at the cluster's mean rate per card
        Assert.Equal(0, nvidia.Utilisation);

        // Nothing up at all: every kind carries the waiting work, counted at real time (12.5 frames a second).
        Assert.All(KindCapacity.Of([], unplacedFrames: 125), k => Assert.Equal(10.0, k.QueuedWorkSeconds, precision: 9));
        Assert.All(KindCapacity.Of([]), k => Assert.Equal(0, k.QueuedWorkSeconds));
    }

    private static DeviceLoad Card(int index, DeviceKind kind, double fps, double work, int active) =>
        CardLoads.Card(fps, work, active, index: index, kind: kind);
}

public sealed class CapacityPlannerTests
{
    [Fact]
    public void Erlang_c_matches_known_values()
    {
        Assert.Equal(0.5, CapacityPlanner.ErlangC(1, 0.5), precision: 9);       // M/M/1: P(wait) = rho
        Assert.Equal(0.3333, CapacityPlanner.ErlangC(2, 1.0), precision: 4);    // 2 servers at 1 Erlang
    }

    [Fact]
    public void More_traffic_or_a_tighter_target_needs_more_cards_and_slower_cards_need_more_than_faster_ones()
    {
        var profile = new CapacityPlanner.Profile(RequestsPerSecond: 10, CharactersPerRequest: 100, P99Seconds: 12);
        var ascend = CapacityPlanner.For("ascend", 50, profile);
        var hygon = CapacityPlanner.For("hygon", 39, profile);
        var busier = CapacityPlanner.For("ascend", 50, profile with { RequestsPerSecond = 20 });
        var tighter = CapacityPlanner.For("ascend", 50, profile with { P99Seconds = 9.5 });

        Assert.NotNull(ascend.Cards);
        Assert.True(hygon.Cards > ascend.Cards);
        Assert.True(busier.Cards > ascend.Cards);
        Assert.True(tighter.Cards > ascend.Cards);
        Assert.InRange(ascend.PredictedP99Seconds, 0, 12);
        Assert.InRange(ascend.Utilisation, 0.5, 1.0); // 10 req/s x 85 frames over 50 frames/s a card: at least 17 cards
        Assert.True(ascend.Cards >= 17);
    }

    [Fact]
    public void A_target_no_card_count_can_meet_says_why()
    {
        var plan = CapacityPlanner.For("cpu", 10, new CapacityPlanner.Profile(RequestsPerSecond: 1, CharactersPerRequest: 200, P99Seconds: 5));

        Assert.Null(plan.Cards);
        Assert.Contains("one request alone takes", plan.Why);
    }
}
