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
    private LaneRow? _row;
    private int _disposed;

    internal LaneSeat(DecodeLane lane, OrtTimer timer, Action release)
    {
        _lane = lane;
        _timer = timer;
        _release = release;
    }

    /// <summary>
    /// The utterance's frames, made by the lane from its prompt embeddings (<paramref name="rows"/> rows) with its
    /// <paramref name="decoder"/>; taken at the caller's pace (the lane does not wait for it). Once per seat.
    /// </summary>
    public IEnumerable<int[]> Generate(FrameDecoder decoder, float[] prompt, int rows, CancellationToken cancellationToken)
    {
        if (_row is not null)
        {
            throw new InvalidOperationException("A lane seat makes one utterance.");
        }

        var row = _row = new LaneRow(decoder, prompt, rows, _timer, cancellationToken);
        _lane.Start(row);
        return Frames(row, cancellationToken);
    }

    private static IEnumerable<int[]> Frames(LaneRow row, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var frame in row.Frames.GetConsumingEnumerable(cancellationToken))
            {
                yield return frame;
            }

            if (row.Failure is { } failure)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            row.Abandon(); // the lane drops it at its next step, if it still has it
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_row is { } row)
        {
            row.Abandon();
            row.Left.Wait(); // the lane no longer touches the utterance's decoder or embeddings
        }

        _lane.Unreserve();
        _release();
    }
}
