using Microsoft.Extensions.Time.Testing;
using QwenTts.Devices.Cards;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;

namespace QwenTts.Cluster.UnitTests;

public sealed class RoutingPiecesTests
{
    [Fact]
    public void Expected_completion_is_queued_work_plus_the_request_over_throughput()
    {
        var fast = Load(fps: 50, work: 100);
        var slow = Load(fps: 25, work: 0);

        Assert.Equal((100 + 50) / 50.0, fast.ExpectedCompletionSeconds(50));
        Assert.Equal(50 / 25.0, slow.ExpectedCompletionSeconds(50));
        Assert.Equal((100 + 30 + 50) / 50.0, fast.ExpectedCompletionSeconds(50, extraQueuedFrames: 30));
    }

    [Fact]
    public void A_card_has_room_until_running_plus_waiting_reach_its_limits_and_never_while_draining()
    {
        Assert.True(Load(active: 4, waiting: 15).HasRoom);
        Assert.False(Load(active: 4, waiting: 16).HasRoom);
        Assert.False(Load() with { Draining = true } is { HasRoom: true });
    }

    [Fact]
    public void The_frame_estimate_learns_from_completed_requests_and_weighs_cjk_characters_more()
    {
        var estimator = new FrameEstimator(1.0);
        var latin = estimator.Estimate("abcdefghij");
        var cjk = estimator.Estimate("一二三四五六七八九十");
        for (var i = 0; i < 50; i++)
        {
            estimator.Learn("abcdefghij", 40);
        }

        Assert.Equal(3 * latin, cjk);
        Assert.InRange(estimator.Estimate("abcdefghij"), 38, 40);
    }

    [Fact]
    public async Task An_emulated_card_releases_frames_at_its_rate_shared_by_its_utterances()
    {
        var clock = new FakeTimeProvider();
        var pacer = new CardPacer(framesPerSecond: 10, clock);

        var first = pacer.ReserveAsync(5, CancellationToken.None);   // due at 0.5 s
        var second = pacer.ReserveAsync(5, CancellationToken.None);  // queued behind it: due at 1.0 s
        clock.Advance(TimeSpan.FromMilliseconds(600));
        await first;
        Assert.False(second.IsCompleted);
        clock.Advance(TimeSpan.FromMilliseconds(400));
        await second;
    }

    private static DeviceLoad Load(double fps = 50, double work = 0, int active = 0, int waiting = 0) => new()
    {
        Device = new DeviceId("silo", 0),
        Kind = DeviceKind.Ascend,
        Model = "ascend-910b",
        Provider = "CPUExecutionProvider",
        MaxConcurrent = 4,
        QueueLimit = 16,
        Active = active,
        Queued = waiting,
        QueuedWorkFrames = work,
        FramesPerSecond = fps,
    };
}
