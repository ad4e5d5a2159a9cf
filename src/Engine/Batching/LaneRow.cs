using System.Collections.Concurrent;
using System.Diagnostics;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Batching;

/// <summary>
/// One utterance in a decode lane: its decode state (seed, sampling, repetition, stop), its prompt, its row of the lane's
/// caches and the frames the lane made for it, which its own thread takes (and decodes to audio) at its own pace.
/// Written by the lane's thread only, but for <see cref="Abandon"/> and the frames' consumer.
/// </summary>
internal sealed class LaneRow(FrameDecoder decoder, float[] prompt, int promptRows, OrtTimer timer, CancellationToken cancellationToken)
{
    public FrameDecoder Decoder { get; } = decoder;

    public float[] Prompt { get; } = prompt;

    public int PromptRows { get; } = promptRows;

    public OrtTimer Timer { get; } = timer;

    /// <summary>The utterance's span when it asked for its first frame: the lane's prefill span hangs under it.</summary>
    public Activity? Span { get; init; }

    /// <summary>This utterance's row of the lane's caches, given when it is admitted.</summary>
    public int Row { get; set; } = -1;

    /// <summary>Talker cache slots written: the prompt, then one a frame.</summary>
    public int Length { get; set; }

    /// <summary>The talker's output for the frame under way is in the decoder (false: its next talker step is owed).</summary>
    public bool HasTalkerOutput { get; set; }

    /// <summary>The frame under way is drawn (its predictor steps run with the lane's other utterances).</summary>
    public bool Generating { get; set; }

    /// <summary>Frames made, in order; completed when the utterance ends (EOS, limit, failure, cancel).</summary>
    public BlockingCollection<int[]> Frames { get; } = [];

    public Exception? Failure { get; private set; }

    private volatile bool _abandoned;

    /// <summary>Signalled once the lane let go of the row: nothing of the lane touches the utterance after that.</summary>
    public ManualResetEventSlim Left { get; } = new();

    /// <summary>The utterance is cancelled or its consumer stopped taking frames: the lane drops it at the next step.</summary>
    public bool Gone => _abandoned || cancellationToken.IsCancellationRequested;

    /// <summary>Why a row that is gone ends: its cancellation, if it was cancelled (its consumer then sees that, not a short utterance).</summary>
    public Exception? GoneReason => cancellationToken.IsCancellationRequested ? new OperationCanceledException(cancellationToken) : null;

    public void Abandon() => _abandoned = true;

    /// <summary>The utterance ends (with a failure or not): no more frames.</summary>
    public void Finish(Exception? failure = null)
    {
        Failure ??= failure;
        Frames.CompleteAdding();
    }
}
