using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Batching;

/// <summary>
/// A decode loop for up to <c>rows</c> utterances on a thread of its own: each frame, one talker run for every utterance
/// of the lane, then the 15 predictor gen_steps of every utterance drawing a frame in lock-step, each one run for all.
/// Each utterance keeps what is its own in its <see cref="Pipeline.FrameDecoder"/> (seed, sampling, repetition state,
/// stopping), which the loop drives row by row between the runs, and its own thread takes the frames and decodes them
/// to audio at its own pace, so no step of the loop waits for any utterance.
/// </summary>
/// <remarks>
/// Utterances join at a frame boundary after their own prefill (alone, on the card's unbatched talker, so the prompt's
/// keys and values are those of an unbatched card) and leave at EOS, the frame limit, cancellation or failure; NaN logits
/// fail only their utterance. A resumed stream replays its known frames through the talker only: with the others' talker
/// run, and once more after each of their predictor runs, so it catches up about sixteen frames a frame without holding
/// anyone up. Sampling runs here, on the lane's thread, in the order an utterance alone draws, so its codes are the ones
/// it makes alone on the card.
/// </remarks>
public sealed class DecodeLane : IDisposable
{
    private readonly object _gate = new();
    private readonly Queue<LaneRow> _joining = new();
    private readonly List<LaneRow> _rows = [];
    private readonly int _capacity;
    private readonly int _maxPositions;
    private readonly LaneSteps _steps;
    private readonly Thread _thread;
    private int _reserved;
    private bool _stopping;
    private long _runs;
    private long _rowsRun;

    public DecodeLane(BatchedDecodeSteps steps, InferenceSession? prefillTalker, bool talkerAloneIsEqual, BatchingOptions options, int index = 0)
    {
        _capacity = options.Rows;
        _maxPositions = options.MaxPositions;
        _steps = new LaneSteps(steps, prefillTalker, talkerAloneIsEqual, options);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"decode-lane-{index}" };
        _thread.Start();
    }

    public int Capacity => _capacity;

    /// <summary>Utterances holding a place in the lane now.</summary>
    public int Members
    {
        get
        {
            lock (_gate)
            {
                return _reserved;
            }
        }
    }

    /// <summary>The batch sizes of this lane's batched runs so far (see <see cref="LaneSteps.SizesRun"/>).</summary>
    public long SizesRun => _steps.SizesRun;

    /// <summary>Batched runs so far and the rows they carried (a prefill counts one).</summary>
    public (long Runs, long Rows) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_runs, _rowsRun);
            }
        }
    }

    /// <summary>Holds a place for one utterance; false when every place is held.</summary>
    internal bool TryReserve()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            if (_reserved >= _capacity)
            {
                return false;
            }

            _reserved++;
            return true;
        }
    }

    internal void Unreserve()
    {
        lock (_gate)
        {
            _reserved--;
        }
    }

    /// <summary>Starts an utterance that holds a place: the loop prefills it and makes its frames from the next frame boundary.</summary>
    internal void Start(LaneRow row)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                row.Finish(new ObjectDisposedException(nameof(DecodeLane), "The card's decode lane stopped."));
                row.Left.Set();
                return;
            }

            _joining.Enqueue(row);
            Monitor.PulseAll(_gate);
        }
    }

    private void Loop()
    {
        while (true)
        {
            LaneRow[] joiners;
            lock (_gate)
            {
                while (!_stopping && _joining.Count == 0 && _rows.Count == 0)
                {
                    Monitor.Wait(_gate);
                }

                if (_stopping)
                {
                    break;
                }

                joiners = [.. _joining];
                _joining.Clear();
            }

            try
            {
                DropGone();
                foreach (var joiner in joiners)
                {
                    Admit(joiner);
                }

                if (_rows.Count > 0)
                {
                    Frame();
                }
            }
            catch (Exception ex)
            {
                // Not a run's failure (those fail their rows): a fault of the loop itself. Its utterances fail with it, never hang.
                foreach (var row in _rows.Concat(joiners.Where(j => !j.Left.IsSet)).Distinct().ToList())
                {
                    LeaveSafely(row, ex);
                }
            }
        }

        List<LaneRow> left;
        lock (_gate)
        {
            left = [.. _rows, .. _joining];
            _joining.Clear();
        }

        foreach (var row in left)
        {
            LeaveSafely(row, new ObjectDisposedException(nameof(DecodeLane), "The card's decode lane stopped."));
        }
    }

    /// <summary>A place in the caches (the lowest free row, so runs stay short) and the prompt's prefill.</summary>
    private void Admit(LaneRow row)
    {
        if (row.Gone)
        {
            Leave(row, row.GoneReason);
            return;
        }

        if (row.PromptRows > _maxPositions)
        {
            Leave(row, TooLong(row.PromptRows));
            return;
        }

        var taken = _rows.Select(r => r.Row).ToHashSet();
        row.Row = Enumerable.Range(0, _capacity).First(r => !taken.Contains(r));
        _rows.Add(row);
        using (Pipeline.EngineTracing.StartPrefill(row.PromptRows, row.Span))
        {
            Run([row], SlotDecoderGraph.TalkerName, () => _steps.Prefill(row, _rows.Where(r => r != row).Select(r => r.Length).DefaultIfEmpty(0).Max()));
        }

        row.HasTalkerOutput = true;
    }

    /// <summary>One frame of every utterance of the lane.</summary>
    private void Frame()
    {
        var owing = WithinPositions(_rows.Where(r => !r.HasTalkerOutput));
        if (owing.Count > 0)
        {
            Run(owing, BatchedDecodeSteps.TalkerName, () => _steps.Talker(owing, _rows));
            owing.ForEach(r => r.HasTalkerOutput = _rows.Contains(r));
        }

        foreach (var row in _rows.Where(r => r.HasTalkerOutput).ToList())
        {
            Begin(row);
        }

        var drawing = _rows.Where(r => r.Generating).ToList();
        for (var codebook = 1; drawing.Count > 0 && codebook < drawing[0].Decoder.Codebooks; codebook++)
        {
            var genStep = codebook - 1;
            Run(drawing, BatchedDecodeSteps.PredictorName, () => _steps.Predictor(drawing, genStep));
            foreach (var row in drawing.ToList())
            {
                if (!Guard(row, () => row.Decoder.TakeCode(codebook)))
                {
                    drawing.Remove(row);
                }
            }

            CatchUp();
        }

        foreach (var row in drawing)
        {
            End(row);
        }

        DropGone();
    }

    /// <summary>Starts a row's frame from its talker output: a drawn frame waits for the predictor runs, a replayed one ends at once.</summary>
    private void Begin(LaneRow row)
    {
        row.HasTalkerOutput = false;
        Guard(row, () =>
        {
            if (!row.Decoder.BeginFrame())
            {
                Leave(row, null);
                return;
            }

            row.Generating = !row.Decoder.Replaying;
            if (!row.Generating)
            {
                for (var codebook = 1; codebook < row.Decoder.Codebooks; codebook++)
                {
                    row.Decoder.TakeCode(codebook);
                }

                End(row);
            }
        });
    }

    /// <summary>A row's frame is complete: its codes go to its utterance; the row owes its next talker step, or is done.</summary>
    private void End(LaneRow row)
    {
        if (!_rows.Contains(row))
        {
            return;
        }

        row.Generating = false;
        var (codes, more) = row.Decoder.EndFrame();
        if (codes is not null)
        {
            row.Frames.Add(codes);
        }

        if (!more)
        {
            Leave(row, null);
        }
    }

    /// <summary>Rows replaying known frames take one more talker step while the others draw.</summary>
    private void CatchUp()
    {
        var replaying = WithinPositions(_rows.Where(r => !r.Generating && !r.HasTalkerOutput && r.Decoder.Replaying));

        if (replaying.Count == 0)
        {
            return;
        }

        Run(replaying, BatchedDecodeSteps.TalkerName, () => _steps.Talker(replaying, _rows));
        foreach (var row in replaying.Where(_rows.Contains))
        {
            Begin(row);
        }
    }

    /// <summary>One run for <paramref name="rows"/>: timed for each; its failure fails each of them (and only them).</summary>
    private void Run(List<LaneRow> rows, string graph, Action run)
    {
        var started = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            _runs++;
            _rowsRun += rows.Count;
        }

        try
        {
            run();
        }
        catch (Exception ex)
        {
            rows.ToList().ForEach(row => Leave(row, ex));
            rows.Clear();
            return;
        }

        foreach (var row in rows)
        {
            row.Timer.Stop(started, graph);
        }
    }

    /// <summary>
    /// The rows owing a talker step that the model's positions allow; one past them fails alone, before the run it would
    /// make every row of fail.
    /// </summary>
    private List<LaneRow> WithinPositions(IEnumerable<LaneRow> owing)
    {
        var rows = owing.ToList();
        foreach (var row in rows.Where(r => r.Length + 1 > _maxPositions).ToList())
        {
            Leave(row, TooLong(row.Length + 1));
            rows.Remove(row);
        }

        return rows;
    }

    private InvalidOperationException TooLong(int positions) => new(_maxPositions == FusedSlotDecoderGraph.MaxTalkerPositions
        ? $"An utterance needs {positions} talker positions, past the model's {_maxPositions}."
        : $"Static shapes: an utterance needs {positions} talker positions, past the largest cache capacity ({_maxPositions}). Add a larger one to the settings.");

    /// <summary>A row's own step on the lane's thread; its failure (NaN logits) fails only its utterance.</summary>
    private bool Guard(LaneRow row, Action step)
    {
        try
        {
            step();
            return _rows.Contains(row);
        }
        catch (Exception ex)
        {
            Leave(row, ex);
            return false;
        }
    }

    private void DropGone()
    {
        foreach (var row in _rows.Where(r => r.Gone).ToList())
        {
            Leave(row, row.GoneReason);
        }
    }

    private void Leave(LaneRow row, Exception? failure)
    {
        _rows.Remove(row);
        row.Generating = false;
        row.Finish(failure);
        row.Left.Set();
        if (_rows.Count == 0)
        {
            _steps.Shrink(); // a long utterance's cache is not held for the lane's lifetime
        }
    }

    /// <summary>
    /// Leaves, whatever else fails: the row is let go before the caches are freed, so only that can throw, and it must not
    /// throw out of the lane's thread and end the process.
    /// </summary>
    private void LeaveSafely(LaneRow row, Exception failure)
    {
        try
        {
            Leave(row, failure);
        }
        catch (Exception)
        {
            // Freeing the caches failed after the row was let go: the lane is stopping or failing its rows anyway.
        }
    }

    /// <summary>Stops the lane: the frame under way finishes, utterances still in it fail.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _thread.Join();
        _steps.Dispose();
    }
}
