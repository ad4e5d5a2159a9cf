namespace QwenTts.Engine.Batching;

/// <summary>
/// How a card batches its utterances: <paramref name="Rows"/> utterances per lane share each talker and predictor
/// step, in <paramref name="Lanes"/> lanes (each runs its steps on its own, so lanes run in parallel; each has its own
/// caches, so memory grows with lanes x rows). <paramref name="Grace"/>: how long a lane that has calls waiting holds them for the utterances still busy
/// between steps (sampling, the codec decode) before it runs without them; they join the next step of their phase.
/// </summary>
public sealed record BatchingOptions(int Rows, int Lanes = 1, TimeSpan? Grace = null)
{
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromMilliseconds(2);

    /// <summary>Talker cache slots a lane starts with per row; it doubles (all rows) when an utterance needs more.</summary>
    public int InitialSlots { get; init; } = 256;

    public TimeSpan EffectiveGrace => Grace ?? DefaultGrace;

    public int TotalRows => Rows * Lanes;

    public void Validate()
    {
        if (Rows < 1 || Lanes < 1)
        {
            throw new ArgumentException($"Batching needs at least one row and one lane (rows {Rows}, lanes {Lanes}).");
        }
    }
}
