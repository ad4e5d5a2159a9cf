using Microsoft.Extensions.Time.Testing;
using QwenTts.Devices.Cards;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;

namespace QwenTts.Cluster.UnitTests;

public sealed class RoutingPiecesTests
{
    [Fact]
    public void Expected_completion_shares_the_card_with_what_runs_beside_the_request()
    {
        // One long utterance against three short ones, for a 40-frame request at 50 frames/s: the long one holds more work,
        // but the request shares the card with it only while the request runs (2 x 40 frames); beside the short ones it
        // shares it four ways until they end (4 x 40 frames).
        var oneLong = Load(fps: 50) with { Active = 1, RunningFrames = [200] };
        var threeShort = Load(fps: 50) with { Active = 3, RunningFrames = [40, 40, 40] };
        Assert.Equal(80 / 50.0, oneLong.ExpectedCompletionSeconds(40), precision: 9);
        Assert.Equal(160 / 50.0, threeShort.ExpectedCompletionSeconds(40), precision: 9);

        // A full card: the request waits for a slot (the 10-frame one ends after 4 x 10 frames), then shares it.
        var full = Load(fps: 50) with { Active = 4, RunningFrames = [10, 100, 100, 100] };
        Assert.Equal(((4 * 10) + (4 * 40)) / 50.0, full.ExpectedCompletionSeconds(40), precision: 9);
        // Requests on their way there and utterances already waiting go first.
        Assert.True(full.ExpectedCompletionSeconds(40, pending: [30]) > full.ExpectedCompletionSeconds(40));
        Assert.Equal(full.ExpectedCompletionSeconds(40, pending: [30]), (full with { WaitingFrames = [30] }).ExpectedCompletionSeconds(40), precision: 9);

        // Idle cards: the request alone, at each card's rate; a card that reports no utterances one by one is one queue.
        Assert.Equal(50 / 25.0, Load(fps: 25).ExpectedCompletionSeconds(50), precision: 9);
        Assert.Equal((100 + 30 + 50) / 50.0, Load(fps: 50, work: 100).ExpectedCompletionSeconds(50, pending: [30]), precision: 9);
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
    public async Task An_emulated_card_makes_frames_at_its_rate_shared_by_its_utterances()
    {
        PacerTestClock.RunContinuationsInline();
        var clock = new FakeTimeProvider();
        var pacer = new CardPacer(framesPerSecond: 10, clock);
        using var first = pacer.Running();
        using var second = pacer.Running();

        var a = first.ReserveAsync(5, CancellationToken.None);  // each makes 5 frames/s while both run: due at 1.0 s
        var b = second.ReserveAsync(3, CancellationToken.None); // due at 0.6 s; then the first runs alone
        clock.Advance(TimeSpan.FromMilliseconds(600));
        await b;
        second.Dispose();
        Assert.False(a.IsCompleted); // 3 of 5 made; the last 2 at 10 frames/s
        clock.Advance(TimeSpan.FromMilliseconds(200));
        await a;
    }

    private static DeviceLoad Load(double fps = 50, double work = 0, int active = 0, int waiting = 0) => CardLoads.Card(fps, work, active, waiting);
}
