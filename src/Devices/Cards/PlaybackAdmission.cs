namespace QwenTts.Devices.Cards;

/// <summary>
/// A batching card's rule for growing its batch: one more utterance only while every stream it would run stays ahead of
/// playback. Qwen3-TTS-12Hz plays 12.5 frames a second; with n running, each stream gets the card's rate with n over n.
/// A batch step costs more with more rows, so past some n the streams would fall behind their listeners: the card runs
/// at most the largest n whose measured rate keeps every one of them a headroom (<see cref="HeadroomFor"/>) ahead, and lets the
/// rest wait (in the order their listeners started waiting). Sizes it has not measured count at the most it made with
/// fewer (a batch step never makes less with one more row); past those it grows only where the line its measured step
/// times draw (<see cref="StepTimes"/>) says every stream stays ahead, one size past the largest measured at a time, so
/// it does not learn a size by putting every stream on the card behind (a batching card slows all its rows at once).
/// With nothing measured yet it runs as many as its assumed rate alone keeps ahead (no batching gain taken for
/// granted), so a card that has just started does not open every slot at a rate it has never seen.
/// A card that cannot make even one stream at real time (the real model on a CPU) runs all its slots: holding work back
/// would not make anyone's audio arrive in time, only less of it. One that can, but not with the full headroom, runs one.
/// </summary>
public static class PlaybackAdmission
{
    private const double PlaybackFramesPerSecond = Grains.Interfaces.Synthesis.Playback.FramesPerSecond;

    /// <summary>Over the pace a card's pieces need: a measured rate is an average, steps vary, and joins cost prefills.</summary>
    public const double Margin = 1.2;

    /// <summary>
    /// How far ahead of real time a stream must be made so that each piece arrives before a listener who starts
    /// <paramref name="playerBufferSeconds"/> after the first piece has played the ones before it, times <see cref="Margin"/>.
    /// A stream's pieces grow (<paramref name="firstChunk"/>, then <paramref name="chunk"/>, doubling up to
    /// <paramref name="maxChunk"/>), so each must be made while the smaller ones before it play: at real time exactly a
    /// listener holding 1 s runs dry at the third piece of 4, 12, 24 frames. The larger the pieces, the more headroom:
    /// 1.26x (x 1.2 = 1.52x) for pieces up to 24 frames, 1.79x (2.15x) up to 96.
    /// </summary>
    public static double HeadroomFor(int firstChunk, int chunk, int maxChunk, double playerBufferSeconds)
    {
        double made = firstChunk; // frames the listener has when it hears the first
        var size = Math.Max(1, chunk);
        var worst = 1.0;
        for (var piece = 0; piece < 32; piece++)
        {
            // This piece is made (with those since the first) before the listener has played all it has.
            var pace = (made - firstChunk + size) / (playerBufferSeconds + (made / PlaybackFramesPerSecond)) / PlaybackFramesPerSecond;
            worst = Math.Max(worst, pace);
            made += size;
            size = Math.Min(Math.Max(maxChunk, chunk), size * 2);
        }

        return worst * Margin;
    }

    /// <param name="slots">The most the card may run at once (its configured concurrency).</param>
    /// <param name="measured">The card's rate in all with n running, or null where not measured yet.</param>
    /// <param name="headroom">How far ahead of real time each stream must be made (<see cref="HeadroomFor"/>).</param>
    /// <param name="assumed">The card's rate before it measured one with one running (its profile's, or its last overall rate).</param>
    public static int RunnableAtOnce(int slots, Func<int, double?> measured, double headroom, double assumed)
    {
        slots = Math.Max(1, slots);
        var ahead = PlaybackFramesPerSecond * headroom;
        var alone = measured(1);
        if ((alone ?? assumed) < PlaybackFramesPerSecond)
        {
            return slots; // not even one stream at real time: holding work back would only make less audio
        }

        if (Enumerable.Range(1, slots).All(n => measured(n) is null))
        {
            return Math.Clamp((int)(assumed / ahead), 1, slots);
        }

        var runnable = 1;
        var known = alone ?? assumed; // the most the card makes with fewer running: one more row never makes less
        var steps = StepTimes.Fit(slots, measured);
        var largest = Enumerable.Range(1, slots).Last(n => measured(n) is not null);
        for (var n = 2; n <= slots; n++)
        {
            if (measured(n) is { } rate)
            {
                if (rate / n < ahead)
                {
                    break;
                }

                known = Math.Max(known, rate);
                runnable = n;
                continue;
            }

            if (known / n >= ahead)
            {
                runnable = n; // safe even at what fewer made
                continue;
            }

            // Past what it knows to be safe. With two sizes measured, the card's step time as a line in the rows predicts
            // this one: it runs it if every stream would stay ahead, and measures it (one size past the largest measured
            // at a time). With fewer, it tries one size past, to have a second point.
            if (steps is null || (n <= largest + 1 && steps.RateWith(n) / n >= ahead))
            {
                runnable = n;
            }

            break;
        }

        return runnable;
    }
}
