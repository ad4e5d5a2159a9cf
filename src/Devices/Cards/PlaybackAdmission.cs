namespace QwenTts.Devices.Cards;

/// <summary>
/// A batching card's rule for growing its batch: one more utterance only while every stream it would run stays ahead of
/// playback. Qwen3-TTS-12Hz plays 12.5 frames a second; with n running, each stream gets the card's rate with n over n.
/// A batch step costs more with more rows, so past some n the streams would fall behind their listeners: the card runs
/// at most the largest n whose measured rate keeps every one of them <see cref="Headroom"/> times ahead, and lets the
/// rest wait (in the order their listeners started waiting). It grows one size past the largest it has measured, to
/// measure that one; with nothing measured yet it runs all its slots.
/// A card that cannot keep even one stream ahead (the real model on a CPU) runs all its slots: holding work back would
/// not make anyone's audio arrive in time, only less of it.
/// </summary>
public static class PlaybackAdmission
{
    /// <summary>Audio frames a listener plays per second.</summary>
    public const double PlaybackFramesPerSecond = 12.5;

    /// <summary>
    /// How far ahead of playback a stream must be made. A measured rate is an average and steps vary; and a stream's
    /// first pieces are short for a quick first audio (4, then 12, then 24 frames), so the next piece must be made while
    /// the shorter one before it plays: at real time exactly, a player holding a second of audio before it starts still
    /// runs dry at the third piece; at 1.3x real time it does not.
    /// </summary>
    public const double Headroom = 1.3;

    /// <param name="slots">The most the card may run at once (its configured concurrency).</param>
    /// <param name="measured">The card's rate in all with n running, or null where not measured yet.</param>
    public static int RunnableAtOnce(int slots, Func<int, double?> measured)
    {
        var known = measured(1);
        if (known is { } alone && alone < PlaybackFramesPerSecond * Headroom)
        {
            return Math.Max(1, slots);
        }

        if (known is null)
        {
            return Math.Max(1, slots);
        }

        var runnable = 1;
        for (var n = 2; n <= slots; n++)
        {
            if (measured(n) is not { } rate)
            {
                runnable = n; // one step past what it knows: it runs it and measures it
                break;
            }

            if (rate / n < PlaybackFramesPerSecond * Headroom)
            {
                break;
            }

            runnable = n;
        }

        return Math.Max(1, Math.Min(runnable, slots));
    }
}
