namespace QwenTts.Engine.Batching;

/// <summary>
/// How a card batches its utterances: <paramref name="Rows"/> utterances per lane share each talker and predictor
/// step, in <paramref name="Lanes"/> lanes (each runs its steps on its own, so lanes run in parallel; each has its own
/// caches, so memory grows with lanes x rows).
/// </summary>
public sealed record BatchingOptions(int Rows, int Lanes = 1)
{
    /// <summary>Talker cache slots a lane starts with per row; it doubles (all rows) when an utterance needs more.</summary>
    public int InitialSlots { get; init; } = 256;

    public int TotalRows => Rows * Lanes;

    public void Validate()
    {
        if (Rows < 1 || Lanes < 1)
        {
            throw new ArgumentException($"Batching needs at least one row and one lane (rows {Rows}, lanes {Lanes}).");
        }
    }
}
