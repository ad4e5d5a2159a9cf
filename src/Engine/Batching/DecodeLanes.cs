using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Batching;

/// <summary>
/// A card's decode lanes: every utterance of the card joins the lane with the most free rows and leaves it when done.
/// When every row of every lane is taken, a new utterance waits for one to free (the card's own admission should keep
/// it from coming to that: rows >= the utterances it runs at once). The lanes own the batched steps.
/// </summary>
public sealed class DecodeLanes : IDisposable
{
    private readonly DecodeLane[] _lanes;
    private readonly SemaphoreSlim _free;

    public DecodeLanes(BatchedDecodeSteps steps, InferenceSession? prefillTalker, bool talkerAloneIsEqual, BatchingOptions options)
    {
        options.Validate();
        Options = options;
        Steps = steps;
        var lanes = new List<DecodeLane>();
        try
        {
            for (var i = 0; i < options.Lanes; i++)
            {
                lanes.Add(new DecodeLane(steps, prefillTalker, talkerAloneIsEqual, options, i));
            }
        }
        catch
        {
            lanes.ForEach(lane => lane.Dispose()); // a lane that could not be made (its caches on the card) leaves none running
            throw;
        }

        _lanes = [.. lanes];
        _free = new SemaphoreSlim(options.TotalRows, options.TotalRows);
    }

    public BatchingOptions Options { get; }

    public BatchedDecodeSteps Steps { get; }

    /// <summary>Utterances in the lanes now.</summary>
    public int Members => _lanes.Sum(l => l.Members);

    /// <summary>Batched runs so far and the rows they carried (prefills count as one row).</summary>
    public (long Runs, long Rows) Counts() =>
        _lanes.Select(l => l.Counts).Aggregate((Runs: 0L, Rows: 0L), (a, c) => (a.Runs + c.Runs, a.Rows + c.Rows));

    /// <summary>The batch sizes the lanes' batched talker and predictor runs have had so far, smallest first.</summary>
    public IReadOnlyList<int> BatchSizesRun()
    {
        var sizes = _lanes.Aggregate(0L, (bits, lane) => bits | lane.SizesRun);
        return [.. Enumerable.Range(1, 63).Where(n => (sizes & (1L << n)) != 0)];
    }

    /// <summary>The mean rows of a batched run since <paramref name="before"/> (from <see cref="Counts"/>).</summary>
    public double MeanBatchSince((long Runs, long Rows) before)
    {
        var (runs, rows) = Counts();
        return runs == before.Runs ? 0 : (rows - before.Rows) / (double)(runs - before.Runs);
    }

    /// <summary>A place for one utterance in the lane with the most free rows; dispose it to give the place back.</summary>
    public LaneSeat Join(OrtTimer timer, CancellationToken cancellationToken)
    {
        _free.Wait(cancellationToken);
        try
        {
            foreach (var lane in _lanes.OrderByDescending(l => l.Capacity - l.Members))
            {
                if (lane.TryReserve())
                {
                    return new LaneSeat(lane, timer, () => _free.Release());
                }
            }
        }
        catch
        {
            _free.Release();
            throw;
        }

        _free.Release();
        throw new InvalidOperationException("A lane row was counted free but none was.");
    }

    public void Dispose()
    {
        foreach (var lane in _lanes)
        {
            lane.Dispose();
        }

        Steps.Dispose(); // the semaphore is left to the GC: utterances still leaving release it
    }
}
