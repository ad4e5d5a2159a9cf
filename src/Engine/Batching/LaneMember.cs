using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Batching;

/// <summary>
/// One utterance's place in a lane: its talker and code predictor, as the frame generator sees them. Each call waits
/// until the lane has run it together with the same step of the lane's other utterances; the utterance's own state
/// (sampling, seed, repetition, stop) stays in its generator. Disposing it (EOS, cancel, failure) frees its row.
/// </summary>
public sealed class LaneMember : ITalkerAndPredictor
{
    private readonly DecodeLane _lane;
    private readonly Action? _onLeft;
    private int _left;

    internal LaneMember(DecodeLane lane, int row, OrtTimer timer, Action? onLeft)
    {
        _lane = lane;
        _onLeft = onLeft;
        Row = row;
        Timer = timer;
    }

    /// <summary>This utterance's row of the lane's caches.</summary>
    public int Row { get; }

    /// <summary>Talker cache slots written: the prompt, then one a frame (written only by the thread running the lane's group).</summary>
    internal int Length { get; set; }

    internal OrtTimer Timer { get; }

    /// <summary>Set while the utterance is busy with its own work (its frame's codec decode, a slow listener): the lane does not wait for it.</summary>
    internal bool Away { get; private set; }

    private int _lastPhase = LaneCall.PrefillPhase;

    public void Prefill(float[] embeds, int rows, float[] logits, float[] lastHidden) =>
        Call(new LaneCall { Member = this, Phase = LaneCall.PrefillPhase, Input = embeds, Rows = rows, Logits = logits, Hidden = lastHidden });

    /// <summary>
    /// A talker step; one that does not follow the frame's last predictor step is a replayed frame (a resumed stream feeds
    /// its known frames through the talker only), which the lane interleaves with the others' steps to catch up fast.
    /// </summary>
    public void Decode(float[] embed, float[] logits, float[] lastHidden) =>
        Call(new LaneCall
        {
            Member = this, Phase = LaneCall.TalkerPhase, Input = embed, Logits = logits, Hidden = lastHidden,
            Replay = _lastPhase != LaneCall.LastPredictorPhase,
        });

    /// <summary>The frame generator's predictor call: context rows [h, c0, .., c_step], logits of codebook step + 1.</summary>
    public void Logits(float[] context, int rows, int step, float[] logits) =>
        Call(new LaneCall { Member = this, Phase = 1 + step, Input = context, Logits = logits });

    private void Call(LaneCall call)
    {
        _lastPhase = call.Phase;
        _lane.Call(call);
    }

    /// <summary>The utterance steps away (its consumer takes a frame) or comes back; the lane runs without it meanwhile.</summary>
    public void SetAway(bool away) => _lane.SetAway(this, away);

    internal void MarkAway(bool away) => Away = away;

    /// <summary>Leaves the lane (once; the generator disposes its talker and its predictor, both this).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _left, 1) == 1)
        {
            return;
        }

        _lane.Leave(this);
        _onLeft?.Invoke();
    }
}
