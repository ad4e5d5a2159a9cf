using System.Runtime.ExceptionServices;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Batching;

/// <summary>
/// An utterance's place in one of the card's decode lanes, held from admission to the end of its frames. Disposing it
/// (the utterance ended, failed or was cancelled) gives the place back once the lane has let go of the utterance.
/// </summary>
public sealed class LaneSeat : IDisposable
{
    private readonly DecodeLane _lane;
    private readonly Action _release;
    private readonly OrtTimer _timer;
    private readonly object _gate = new();
    private LaneRow? _row;
    private int _generating;
    private int _disposed;

    internal LaneSeat(DecodeLane lane, OrtTimer timer, Action release)
    {
        _lane = lane;
        _timer = timer;
        _release = release;
    }

    /// <summary>
    /// The utterance's frames, made by the lane from its prompt embeddings (<paramref name="rows"/> rows) with its
    /// <paramref name="decoder"/> once the first is asked for, as an unbatched card would; taken at the caller's pace
    /// (the lane does not wait for it). Once per seat.
    /// </summary>
    public IEnumerable<int[]> Generate(FrameDecoder decoder, float[] prompt, int rows, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _generating, 1) == 1)
        {
            throw new InvalidOperationException("A lane seat makes one utterance.");
        }

        return Frames(decoder, prompt, rows, cancellationToken);
    }

    private IEnumerable<int[]> Frames(FrameDecoder decoder, float[] prompt, int rows, CancellationToken cancellationToken)
    {
        var row = new LaneRow(decoder, prompt, rows, _timer, cancellationToken) { Span = System.Diagnostics.Activity.Current };
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed == 1, this);
            _row = row;
        }

        _lane.Start(row);
        try
        {
            foreach (var frame in row.Frames.GetConsumingEnumerable(cancellationToken))
            {
                yield return frame;
            }

            if (row.Failure is { } failure)
            {
                ExceptionDispatchInfo.Capture(failure).Throw(); // a cancelled utterance's too: never a short one that looks complete
            }
        }
        finally
        {
            row.Abandon(); // the lane drops it at its next step, if it still has it
        }
    }

    public void Dispose()
    {
        LaneRow? started;
        lock (_gate)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 1)
            {
                return;
            }

            started = _row;
        }

        if (started is { } row)
        {
            row.Abandon();
            row.Left.Wait(); // the lane no longer touches the utterance's decoder or embeddings
        }

        _lane.Unreserve();
        _release();
    }
}
