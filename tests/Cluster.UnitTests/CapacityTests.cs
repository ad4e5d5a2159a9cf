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
    public void Idle_time_does_not_dilute_the_rate_a_stall_halves_it_and_frames_bring_it_back()
    {
        var clock = new FakeTimeProvider();
        var meter = new ThroughputMeter(initialFramesPerSecond: 50, clock);
        clock.Advance(TimeSpan.FromSeconds(10)); // idle
        meter.Sample();
        Assert.Equal(50, meter.FramesPerSecond);

        meter.Busy(true);
        meter.Stalled();
        meter.Stalled();
        Assert.Equal(12.5, meter.FramesPerSecond);
        for (var second = 0; second < 20; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            meter.Produced(50);
            meter.Sample();
        }

        Assert.InRange(meter.FramesPerSecond, 49.5, 50);
    }

    [Fact]
    public async Task A_slowed_card_takes_twice_as_long_and_a_stalled_one_releases_nothing_until_the_stall_ends()
    {
        var clock = new FakeTimeProvider();
        var pacer = new CardPacer(framesPerSecond: 10, clock);
        pacer.SlowDown(2);
        var slowed = pacer.ReserveAsync(5, CancellationToken.None); // 1 s instead of 0.5 s
        clock.Advance(TimeSpan.FromMilliseconds(900));
        Assert.False(slowed.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await slowed;

        pacer.SlowDown(1);
        pacer.Stall(TimeSpan.FromSeconds(3));
        var stalled = pacer.ReserveAsync(5, CancellationToken.None); // 3 s of stall, then 0.5 s
        clock.Advance(TimeSpan.FromSeconds(3.4));
        Assert.False(stalled.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        await stalled;
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

    private static DeviceLoad Card(int index, DeviceKind kind, double fps, double work, int active) => new()
    {
        Device = new DeviceId("silo", index),
        Kind = kind,
        Model = kind.ToString().ToLowerInvariant(),
        Provider = "CPUExecutionProvider",
        MaxConcurrent = 4,
        QueueLimit = 16,
        Active = active,
        QueuedWorkFrames = work,
        FramesPerSecond = fps,
    };
}
