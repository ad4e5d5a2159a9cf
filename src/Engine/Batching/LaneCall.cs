namespace QwenTts.Engine.Batching;

/// <summary>
/// One step an utterance asks of its lane, waiting until the lane ran it with the steps of the same phase from the
/// lane's other utterances. The phase orders a frame: the talker step is 0, the predictor's gen_step s is 1 + s; a
/// prompt prefill comes before all (-1) and always runs alone.
/// </summary>
internal sealed class LaneCall
{
    public const int PrefillPhase = -1;
    public const int TalkerPhase = 0;

    /// <summary>The phase of a frame's last predictor step (gen_step 14 of the 16-codebook model).</summary>
    public const int LastPredictorPhase = 15;

    /// <summary>A talker step of a replayed frame (a resumed stream rebuilding its cache), not a new frame.</summary>
    public bool Replay { get; init; }

    public required LaneMember Member { get; init; }

    public required int Phase { get; init; }

    /// <summary>Input rows (hidden width): the prompt, one summed frame embedding, or the predictor context.</summary>
    public required float[] Input { get; init; }

    /// <summary>Prompt rows for a prefill.</summary>
    public int Rows { get; init; } = 1;

    public required float[] Logits { get; init; }

    /// <summary>The talker's last hidden state (prefill and talker steps).</summary>
    public float[]? Hidden { get; init; }

    /// <summary>Runs of other phases that went before this call while it waited (aging: see <see cref="DecodeLane"/>).</summary>
    public int PassedOver { get; set; }

    public Exception? Failure { get; set; }

    /// <summary>Set under the lane's lock once the call ran (or failed).</summary>
    public bool Completed { get; set; }

    public int GenStep => Phase - 1;
}
