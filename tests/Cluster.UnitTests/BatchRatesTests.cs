using Microsoft.Extensions.Time.Testing;
using QwenTts.Devices.Cards;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Cluster.UnitTests;

/// <summary>A batching card's rate grows with the utterances it runs: the card learns by how much, the router uses it.</summary>
public sealed class BatchRatesTests
{
    [Fact]
    public void A_card_learns_its_rate_at_each_batch_size_relative_to_its_overall_rate()
    {
        var clock = new FakeTimeProvider();
        var overall = 100.0;
        var rates = new BatchRates(capacity: 8, clock, () => overall);
        Assert.All(rates.Snapshot(), r => Assert.Equal(0, r)); // nothing measured yet

        // One utterance: 50 frames/s for a second; then four: 160 frames/s for a second.
        rates.Running(1);
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            rates.Produced(5);
        }

        rates.Running(4);
        for (var i = 0; i < 10; i++)
        {
            clock.Advance(TimeSpan.FromMilliseconds(100));
            rates.Produced(16);
        }

        var table = rates.Snapshot();
        Assert.Equal(0.5, table[0], precision: 9);
        Assert.Equal(1.6, table[3], precision: 9);
        Assert.Equal(0, table[1]);

        // A short spell at a size is not a sample yet: it adds up until half a second.
        rates.Running(2);
        clock.Advance(TimeSpan.FromMilliseconds(200));
        rates.Produced(20);
        rates.Running(1);
        Assert.Equal(0, rates.Snapshot()[1]);
    }

    [Fact]
    public void A_cards_meters_count_frames_for_the_number_that_made_them_however_late_their_audio_leaves()
    {
        // A batching card at 30 frames/s alone and 45 with two. Its frames reach the meters only when something changes
        // (as a chunk's audio may leave long after its frames were made): each change reads them first.
        var clock = new FakeTimeProvider();
        var made = 0.0;
        var meters = new CardMeters(() => made, initialFramesPerSecond: 30, sizes: 8, playbackHeadroom: Headroom, batches: true, clock);
        meters.Running(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        made += 30;
        meters.Running(2); // the 30 made alone count for one
        clock.Advance(TimeSpan.FromSeconds(1));
        made += 45;
        meters.Running(1);

        var table = meters.RatesByBatch();
        Assert.Equal(1.0, table[0], precision: 9);
        Assert.Equal(1.5, table[1], precision: 9);
        // 30 alone and 45 with two keep both ahead at 1.3x real time (16.25 frames/s); the line through them predicts 54
        // with three (18 each): it tries three.
        Assert.Equal(3, meters.RunnableAtOnce(8));

        // Frames made while none of the card's utterances runs (a cancelled one's last) are no rate; nor, for meters that
        // start on a card that made frames before (a grain activated again), what came before them.
        meters.Running(0);
        clock.Advance(TimeSpan.FromSeconds(1));
        made += 1000;
        meters.Running(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        made += 30;
        meters.Sample();
        Assert.Equal((0.3 * (30 + 45 + 30) / 3.0) + (0.7 * 30), meters.FramesPerSecond, precision: 6); // over its 3 s busy, one sample at 0.3

        // A card that takes turns reports no table and runs all its slots.
        var turns = new CardMeters(() => made, initialFramesPerSecond: 30, sizes: 8, playbackHeadroom: Headroom, batches: false, clock);
        turns.Running(1);
        clock.Advance(TimeSpan.FromSeconds(1));
        made += 20;
        turns.Sample();
        Assert.Equal(30 - (0.3 * 10), turns.FramesPerSecond, precision: 6); // 20 frames/s, not the 1,060 made before: one sample at 0.3
        Assert.Empty(turns.RatesByBatch());
        Assert.Equal(4, turns.RunnableAtOnce(4));
    }

    [Fact]
    public void The_router_sees_a_batching_card_finish_a_newcomer_sooner_than_one_whose_utterances_take_turns()
    {
        // Both cards run 3 utterances of 100 frames at 60 frames/s in all now. The batching card gives 1.4x that with 4.
        var turns = Load() with { Active = 3, RunningFrames = [100, 100, 100], RelativeRateByBatch = [0.4, 0.7, 1.0, 1.0] };
        var batching = turns with { RelativeRateByBatch = [0.4, 0.7, 1.0, 1.4] };

        Assert.Equal(4 * 40 / 60.0, turns.ExpectedCompletionSeconds(40), precision: 9);
        Assert.Equal(4 * 40 / (60 * 1.4), batching.ExpectedCompletionSeconds(40), precision: 9);
        Assert.Equal(60 * 1.4, batching.RateWith(4), precision: 9);

        // Not measured at a size (or an older silo's report): the overall rate; a stall halves it for every size.
        Assert.Equal(60, batching.RateWith(7));
        Assert.Equal(60, (batching with { RelativeRateByBatch = [] }).RateWith(4));
        Assert.Equal(30 * 1.4, (batching with { FramesPerSecond = 30, Stalled = true }).RateWith(4), precision: 9);
    }

    [Fact]
    public void A_batching_card_runs_only_as_many_as_it_keeps_ahead_of_playback()
    {
        // 50 frames/s alone; each extra row costs half a lone step: 8 / 4.5 = 1.78x with 8, 11.1 frames/s a stream.
        var pacer = new CardPacer(50, new FakeTimeProvider(), batchStepCost: 0.5);
        double? Measured(int n) => pacer.RateWith(n);
        Assert.Equal(50 * 8 / 4.5, pacer.RateWith(8), precision: 9);
        Assert.Equal(5, PlaybackAdmission.RunnableAtOnce(8, Measured, Headroom, assumed: 50)); // 16.7 frames/s a stream with 5, 14.3 with 6: not 1.3x real time

        // Nothing measured: as many as its assumed rate keeps ahead with no batching gain (50 / 16.25: 3; 30: 1; a card
        // too slow for even one: all).
        Assert.Equal(3, PlaybackAdmission.RunnableAtOnce(8, _ => null, Headroom, assumed: 50));
        Assert.Equal(1, PlaybackAdmission.RunnableAtOnce(8, _ => null, Headroom, assumed: 30));
        Assert.Equal(8, PlaybackAdmission.RunnableAtOnce(8, _ => null, Headroom, assumed: 2));

        // Measured up to 3 with no gain (60 in all): the line through its step times says a fourth would get 15 frames/s,
        // so it does not try it (a batching card slows every row at once: trying would put all four behind).
        Assert.Equal(3, PlaybackAdmission.RunnableAtOnce(8, n => n <= 3 ? 60 : null, Headroom, assumed: 50));

        // With a gain: steps of 26.7 ms + 6.7 ms a row measured up to 3 (30, 50, 64.3 in all). A fourth is not safe at what
        // 3 made (16.1 a stream), but the line predicts 75 with 4 (18.75 a stream): it tries 4; not 5, two past what it measured.
        static double? OnTheLine(int n) => n / (0.08 / 3 + (0.02 / 3 * n));
        Assert.Equal(4, PlaybackAdmission.RunnableAtOnce(8, n => n <= 3 ? OnTheLine(n) : null, Headroom, assumed: 50));
        Assert.Equal(3, PlaybackAdmission.RunnableAtOnce(8, n => n <= 3 ? OnTheLine(n) : n == 4 ? 60 : null, Headroom, assumed: 50)); // 4 measured behind

        // Safe up to 6 at what 2 made (110: 18.3 a stream); the line through 1 and 2 says 7 would get 38.8 a stream, but 7
        // is more than one size past the largest measured: 6.
        Assert.Equal(6, PlaybackAdmission.RunnableAtOnce(8, n => n switch { 1 => 60, 2 => 110, _ => null }, Headroom, assumed: 50));

        // Sizes not measured count at the most fewer made (60 alone keeps 3 ahead at 20 each); with one size measured, no
        // line yet: one past, to measure a second: 4.
        Assert.Equal(4, PlaybackAdmission.RunnableAtOnce(8, n => n == 1 ? 60 : null, Headroom, assumed: 50));
        Assert.Equal(2, PlaybackAdmission.RunnableAtOnce(8, n => n == 1 ? 20 : n == 2 ? 40 : n == 3 ? 45 : null, Headroom, assumed: 50)); // 15 frames/s with 3

        // A card that takes turns at 50 frames/s keeps 3 streams ahead (16.7 frames/s each), not 4 (12.5).
        Assert.Equal(3, PlaybackAdmission.RunnableAtOnce(4, _ => 50, Headroom, assumed: 50));
        Assert.Equal(1, PlaybackAdmission.RunnableAtOnce(4, _ => 20, Headroom, assumed: 50)); // 20 frames/s keeps one stream ahead, not two

        // A card that keeps no stream ahead even alone (the 1.7B on a CPU: about 2 frames/s) batches for throughput.
        Assert.Equal(8, PlaybackAdmission.RunnableAtOnce(8, n => 1.2 * n / (1 + (0.3 * (n - 1))), Headroom, assumed: 50));
    }

    [Fact]
    public void A_cards_step_times_fit_a_line_in_its_rows()
    {
        // 20 ms fixed + 5 ms a row, measured at 1, 2 and 4 rows: the line predicts 8.
        var line = StepTimes.Fit(8, n => n is 1 or 2 or 4 ? n / (0.020 + (0.005 * n)) : null)!;
        Assert.Equal(0.020, line.Fixed, precision: 9);
        Assert.Equal(0.005, line.PerRow, precision: 9);
        Assert.Equal(8 / 0.060, line.RateWith(8), precision: 6);

        Assert.Null(StepTimes.Fit(8, n => n == 1 ? 50 : null)); // one point is no line

        // Noise that makes more rows look cheaper is taken as flat; a line with no fixed part as a card taking turns.
        Assert.Equal(0, StepTimes.Fit(8, n => n switch { 1 => 50, 2 => 110, _ => null })!.PerRow);
        Assert.Equal(40, StepTimes.Fit(8, n => n switch { 2 => 40, 4 => 40, _ => null })!.RateWith(6), precision: 6);
        var throughZero = StepTimes.Fit(8, n => n switch { 2 => 40, 4 => 32, _ => null })!; // the line would cross zero
        Assert.Equal(0, throughZero.Fixed);
        Assert.Equal(1 / ((2 * 0.05) + (4 * 0.125)) * 20, throughZero.RateWith(6), precision: 6);
    }

    /// <summary>Each stream made 1.3x ahead of real time.</summary>
    private const double Headroom = 1.3;

    [Fact]
    public void The_headroom_a_batching_card_keeps_follows_its_piece_sizes_and_the_listeners_buffer()
    {
        // Pieces of 4, 12, 24, 24 ... for a listener holding 1 s: the third is the tightest, 36 frames in 2.28 s (1.26x).
        Assert.Equal(36 / 2.28 / 12.5 * PlaybackAdmission.Margin, PlaybackAdmission.HeadroomFor(4, 12, 24, 1.0), precision: 9);

        // Pieces doubling up to 96: the first of 96 is the tightest, 180 frames in 8.04 s (1.79x).
        Assert.Equal(180 / 8.04 / 12.5 * PlaybackAdmission.Margin, PlaybackAdmission.HeadroomFor(4, 12, 96, 1.0), precision: 9);

        // A listener that holds less needs more.
        Assert.True(PlaybackAdmission.HeadroomFor(4, 12, 24, 0.5) > PlaybackAdmission.HeadroomFor(4, 12, 24, 1.0));
    }

    private static DeviceLoad Load() => CardLoads.Card(fps: 60);
}
