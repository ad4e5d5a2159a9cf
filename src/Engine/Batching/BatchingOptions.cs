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

    /// <summary>
    /// Static shapes (graph-compiling providers): every run carries all <see cref="Rows"/> rows, idle ones riding along
    /// masked in their own rows; a lane's cache takes the configured capacities and a prompt is padded to a configured
    /// prefill length, so the provider sees only the shapes it compiled at start. Null: shapes follow the work.
    /// </summary>
    public Runtime.StaticShapeOptions? Shapes { get; init; }

    /// <summary>
    /// The lanes' talker caches in the card's own memory (<see cref="Acceleration.CardSlotCaches"/>), bound to each run as
    /// they are; false: in host arrays, which a GPU's or NPU's run would copy to the card and back every time. Null: on the
    /// card for every provider but the CPU (whose memory is the host's).
    /// </summary>
    public bool? CachesOnCard { get; init; }

    /// <summary>
    /// Every run carries all of a lane's rows (idle ones ride along in their own rows), so the provider sees one batch
    /// size: at static shapes always, and on a card whose provider gives a row bit-equal results only at a fixed batch size.
    /// </summary>
    public bool FixedRows
    {
        get => _fixedRows || Shapes is not null;
        init => _fixedRows = value;
    }

    private readonly bool _fixedRows;

    /// <summary>The cache slots a lane starts with (and goes back to): the smallest capacity at static shapes.</summary>
    public int StartSlots => Shapes?.CacheCapacities.Min() ?? InitialSlots;

    /// <summary>The most talker positions an utterance may reach: the largest capacity at static shapes, else the model's.</summary>
    public int MaxPositions => Shapes?.CacheCapacities.Max() ?? Acceleration.FusedSlotDecoderGraph.MaxTalkerPositions;

    public int TotalRows => Rows * Lanes;

    public void Validate()
    {
        if (Rows < 1 || Lanes < 1)
        {
            throw new ArgumentException($"Batching needs at least one row and one lane (rows {Rows}, lanes {Lanes}).");
        }
    }
}
