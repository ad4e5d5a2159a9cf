using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;

namespace QwenTts.Cluster.UnitTests;

/// <summary>When a stream's card has fallen behind its listener, and which card it moves to.</summary>
public sealed class PlaybackMoveTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    /// <summary>The caller waits for the card from <paramref name="from"/> and gets a piece at <paramref name="at"/>.</summary>
    private static void Piece(PlaybackTracker playback, double from, double at, double frames)
    {
        playback.BeginWait(At(from));
        playback.EndWait(At(at));
        playback.Audio(At(at), frames);
    }

    /// <summary>Pieces of 4, 12, 24, 24 frames made at <paramref name="pace"/> frames/s from t = 0, the listener holding 0.5 s.</summary>
    private static PlaybackTracker Stream(double pace, int pieces, double expectedFrames = 200)
    {
        var playback = new PlaybackTracker(TimeSpan.FromSeconds(0.5), expectedFrames);
        int[] sizes = [4, 12, 24, 24, 24, 24];
        var made = 0.0;
        for (var i = 0; i < pieces; i++)
        {
            Piece(playback, made / pace, (made + sizes[i]) / pace, sizes[i]);
            made += sizes[i];
        }

        playback.BeginWait(At(made / pace));

        return playback;
    }

    [Fact]
    public void A_card_ahead_of_real_time_is_never_behind_and_one_piece_is_no_pace()
    {
        var healthy = Stream(pace: 16.25, pieces: 3); // 1.3x real time; last piece (24 frames) at 2.46 s
        for (var t = 2.5; t < 2.46 + (48 / 12.5); t += 0.1)
        {
            Assert.Null(healthy.Behind(At(t))); // until the next piece, at most twice the last, is late for real time
        }

        Assert.Null(Stream(pace: 1, pieces: 1).Behind(At(30))); // first audio only: no pace yet
    }

    [Fact]
    public void A_card_that_made_its_last_piece_slower_than_real_time_is_behind_once_its_next_piece_would_come_after_the_listener_runs_dry()
    {
        var playback = new PlaybackTracker(TimeSpan.FromSeconds(0.5), 200);
        Piece(playback, 0, 0.3, 4);
        Piece(playback, 0.3, 1.0, 12); // 17 frames/s: ahead
        playback.BeginWait(At(1.0));
        Assert.Null(playback.Behind(At(1.1)));
        Assert.Null(playback.Behind(At(1.1), reportedPace: 14)); // the card's report: ahead too
        // The card's report says it now gives its streams 6 frames/s: behind before this stream's next piece shows it.
        Assert.Equal(At(1.0 + (24 / 6.0)), playback.Behind(At(1.1), reportedPace: 6)?.NextPieceDue);
        playback.EndWait(At(4.0));
        playback.Audio(At(4.0), 24); // 8 frames/s: below real time
        playback.BeginWait(At(4.0));
        var lag = playback.Behind(At(4.1));
        Assert.NotNull(lag);
        Assert.Equal(8, lag.Value.FramesPerSecond, precision: 9);
        Assert.Equal(At(4.0 + (48 / 8.0)), lag.Value.NextPieceDue); // the next piece, twice the last, at that pace
        Assert.Equal(At(0.3 + 0.5 + (40 / 12.5)), lag.Value.RunsDryAt);

        // Told to leave cards above half real time alone, it leaves this one (8 frames/s) until it is silent past that.
        var lenient = new PlaybackTracker(TimeSpan.FromSeconds(0.5), 200, behindBelow: 0.5);
        Piece(lenient, 0, 0.3, 4);
        Piece(lenient, 0.3, 1.0, 12);
        Piece(lenient, 1.0, 4.0, 24);
        lenient.BeginWait(At(4.0));
        Assert.Null(lenient.Behind(At(4.1)));
        Assert.NotNull(lenient.Behind(At(4.0 + (48 / 6.25) + 0.1)));

        // Near the end, made in time: not behind; past the estimate the stream still counts a piece like its last to come.
        var past = new PlaybackTracker(TimeSpan.FromSeconds(1), expectedFrames: 30);
        Piece(past, 0, 0.3, 24);
        Piece(past, 0.3, 1.0, 24);
        Assert.Equal(24, past.RemainingFrames);
        var ending = new PlaybackTracker(TimeSpan.FromSeconds(0.5), 44);
        Piece(ending, 0, 0.3, 4);
        Piece(ending, 0.3, 1.0, 12);
        Piece(ending, 1.0, 2.2, 24); // 20 frames/s, well ahead; 4 frames left
        ending.BeginWait(At(2.2));
        Assert.Null(ending.Behind(At(2.3)));
    }

    [Fact]
    public void A_listener_that_takes_its_pieces_slowly_does_not_make_its_card_look_slow()
    {
        var playback = new PlaybackTracker(TimeSpan.FromSeconds(0.5), 200);
        Piece(playback, 0, 0.1, 4);
        Piece(playback, 0.1, 0.4, 12); // the card made it in 0.3 s ...
        Piece(playback, 3.0, 3.5, 24); // ... and this in 0.5 s, though the caller came back for it only at 3.0 s
        playback.BeginWait(At(3.5));
        Assert.Null(playback.Behind(At(3.6)));
    }

    [Fact]
    public void A_card_silent_longer_than_real_time_allows_is_behind_with_its_next_piece_unknown()
    {
        var playback = Stream(pace: 20, pieces: 3); // last piece at 2.0 s, 24 frames; the next may be 48
        Assert.Null(playback.Behind(At(2.0 + (48 / 12.5) - 0.05)));
        var lag = playback.Behind(At(2.0 + 4.0));
        Assert.NotNull(lag);
        Assert.Null(lag.Value.NextPieceDue);
        Assert.Equal(48 / 4.0, lag.Value.FramesPerSecond, precision: 9);
    }

    private static DeviceLoad Card(int index, int active = 0, double fps = 50, string provider = "CPUExecutionProvider", int runnable = 0) =>
        CardLoads.Card(fps: fps, active: active, index: index) with
        {
            ModelName = "qwen3-tts-voicedesign",
            Provider = provider,
            RunningFrames = [.. Enumerable.Repeat(100.0, active)],
            Runnable = runnable,
        };

    [Fact]
    public void A_stream_moves_only_to_a_card_of_its_model_and_provider_that_runs_it_at_once_and_finishes_it_sooner()
    {
        var from = Card(0, active: 4);
        var playback = new PlaybackTracker(TimeSpan.FromSeconds(0.5), 200);
        Piece(playback, 0, 0.3, 4);
        Piece(playback, 0.3, 1.0, 12);
        Piece(playback, 1.0, 4.0, 24);
        playback.BeginWait(At(4.0));
        var now = At(4.1);
        var lag = playback.Behind(now)!.Value;

        IEnumerable<(DeviceLoad, double[])> Candidates(params DeviceLoad[] cards) => cards.Select(c => (c, Array.Empty<double>()));

        var ranked = MoveTargets.Rank(Candidates(
            Card(1, active: 1),
            Card(2, active: 0, provider: "CUDAExecutionProvider"), // other numerics: the resume would not be exact
            Card(3, active: 4), // every place taken: it would queue
            Card(4, active: 1, runnable: 1), // a batching card that runs one at a time now
            Card(5, active: 2, fps: 2)), // too slow to beat the old card
            from, lag, playback, now, replayedFrameCost: 0.5);
        Assert.Equal([new DeviceId("silo", 1)], ranked.Select(r => r.Device));

        // A card that does better still, once something is on its way to it, does worse: the ranking counts it.
        var busy = MoveTargets.Rank([(Card(1, active: 1), [100.0, 100.0])], from, lag, playback, now, 0.5);
        var free = MoveTargets.Rank([(Card(1, active: 1), [])], from, lag, playback, now, 0.5);
        Assert.True(busy.Single().ExpectedSeconds > free.Single().ExpectedSeconds);
    }

    [Fact]
    public void A_stream_leaves_a_silent_card_only_once_waiting_longer_would_leave_its_listener_without_audio()
    {
        var from = Card(0, active: 1);
        var playback = Stream(pace: 40, pieces: 4); // 64 frames by 1.6 s: the listener has until 0.1 + 0.5 + 5.12 s
        DeviceLoad[] target = [Card(1, active: 0)];
        IEnumerable<(DeviceLoad, double[])> Candidates() => target.Select(c => (c, Array.Empty<double>()));

        var early = At(1.6 + 2.0); // pieces stopped growing at 24 frames: silent past real time for one, plenty still to play
        Assert.NotNull(playback.Behind(early));
        Assert.Empty(MoveTargets.Rank(Candidates(), from, playback.Behind(early)!.Value, playback, early, 0.5));

        var late = At(5.5); // the listener runs dry in 0.22 s
        var ranked = MoveTargets.Rank(Candidates(), from, playback.Behind(late)!.Value, playback, late, 0.5);
        Assert.Equal(new DeviceId("silo", 1), Assert.Single(ranked).Device);
    }
}
