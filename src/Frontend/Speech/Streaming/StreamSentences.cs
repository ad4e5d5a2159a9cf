using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>A queued segment of a session: its place in the session's text and audio, and whether it may still be spoken.</summary>
internal sealed class StreamSentence(int index, SynthesisJob job, int textStart, int textEnd)
{
    public int Index { get; } = index;

    public SynthesisJob Job { get; } = job;

    public int TextStart { get; } = textStart;

    public int TextEnd { get; } = textEnd;

    /// <summary>Cancels this segment's card work alone (see OrderedSegmentRunner's dropped).</summary>
    public CancellationTokenSource Drop { get; } = new();

    public bool Started { get; set; }

    public bool Done { get; set; }

    /// <summary>Cleared (before its audio) or cancelled (while speaking): none of its audio is sent from then on.</summary>
    public bool Dropped { get; set; }

    /// <summary>The session's audio (samples) before this segment's first.</summary>
    public long AudioStart { get; set; }

    /// <summary>This segment's samples sent so far.</summary>
    public long SentSamples { get; set; }
}

/// <summary>
/// A session's segments in text order, shared by the input loop (which queues, clears and cancels them) and the sender
/// (which starts and finishes them), hence the lock: a segment is either started, then charged, or dropped before its
/// audio, then its reservation given back; never both.
/// </summary>
internal sealed class StreamSentences
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, StreamSentence> _byJob = [];
    private readonly List<StreamSentence> _order = [];

    public void Add(StreamSentence sentence)
    {
        lock (_gate)
        {
            _byJob[sentence.Job.RequestId] = sentence;
            _order.Add(sentence);
        }
    }

    public StreamSentence Of(SynthesisJob job)
    {
        lock (_gate)
        {
            return _byJob[job.RequestId];
        }
    }

    public CancellationToken DropToken(SynthesisJob job) => Of(job).Drop.Token;

    /// <summary>The sender is about to send the segment's first audio; false when it was dropped first.</summary>
    public bool TryStart(StreamSentence sentence, long sessionSamples)
    {
        lock (_gate)
        {
            if (sentence.Dropped)
            {
                return false;
            }

            sentence.Started = true;
            sentence.AudioStart = sessionSamples;
            return true;
        }
    }

    /// <summary>The segment's audio is all made; false when it was cancelled first.</summary>
    public bool TryFinish(StreamSentence sentence)
    {
        lock (_gate)
        {
            if (sentence.Dropped)
            {
                return false;
            }

            sentence.Done = true;
            return true;
        }
    }

    /// <summary>input.clear: every queued segment whose audio has not started is dropped; its card work is cancelled.</summary>
    public IReadOnlyList<StreamSentence> DropQueued()
    {
        List<StreamSentence> dropped;
        lock (_gate)
        {
            dropped = [.. _order.Where(s => !s.Started && !s.Done && !s.Dropped)];
            dropped.ForEach(s => s.Dropped = true);
        }

        // Outside the lock: cancelling runs the card work's callbacks.
        dropped.ForEach(s => s.Drop.Cancel());
        return dropped;
    }

    /// <summary>response.cancel: the segment being spoken now (the first not finished, started or about to), or null when none is.</summary>
    public StreamSentence? CancelCurrent()
    {
        StreamSentence? current;
        lock (_gate)
        {
            current = _order.FirstOrDefault(s => !s.Done && !s.Dropped);
            if (current is not null)
            {
                current.Dropped = true;
            }
        }

        current?.Drop.Cancel();
        return current;
    }
}
