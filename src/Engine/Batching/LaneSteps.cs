using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Batching;

/// <summary>
/// The runs of one lane over its caches: a prompt prefill into its utterance's row (the card's unbatched engine talker
/// where the lane runs the fused form, so the prompt's keys and values are the ones an utterance alone would have; else
/// the batched talker with that utterance alone), a talker step for every utterance of the
/// lane that asked (each at its own position), a predictor gen_step for every utterance drawing a frame. Only the lane's
/// thread calls these, one run at a time.
/// </summary>
/// <remarks>
/// A talker run covers rows 0..top of the lane (in place: a row's cache is far too large to gather). Rows not in the run
/// ride along at no harm: a row in use writes its next, not yet valid slot (its own next step overwrites it), a free row
/// slot 0. The predictor's rows run in lock-step: every utterance drawing a frame is at the same gen_step.
/// </remarks>
/// <param name="prefillTalker">
/// The card's unbatched engine talker (the fused form), or null: the batched talker prefills (the standard form takes a
/// whole prompt as one utterance's rows).
/// </param>
/// <param name="talkerAloneIsEqual">The unbatched engine talker was found bit-equal to a row of the batched one at load.</param>
/// <param name="options">The lane's rows, and at static shapes its fixed row count, cache capacities and prefill lengths.</param>
internal sealed class LaneSteps(BatchedDecodeSteps steps, InferenceSession? prefillTalker, bool talkerAloneIsEqual, BatchingOptions options) : IDisposable
{
    private readonly int _rows = options.Rows;
    private readonly int _startSlots = options.StartSlots;
    private readonly StaticShapeOptions? _shapes = options.Shapes;
    private readonly BoundSlotStep?[] _talkerAlone = new BoundSlotStep?[options.Rows];              // by row
    private readonly float[] _aloneRow = new float[steps.Manifest.Talker.Hidden];
    private readonly float[] _aloneLogits = new float[steps.Manifest.Talker.CodecVocab];
    private readonly float[] _aloneHidden = new float[steps.Manifest.Talker.Hidden];
    private readonly long[] _alonePosition = new long[1];
    private readonly RunOptions _run = new();
    private readonly BoundSlotStep?[] _talkerBound = new BoundSlotStep?[options.Rows + 1];          // by rows run
    private readonly BoundSlotStep?[,] _predictorBound = new BoundSlotStep?[2, options.Rows + 1]; // by rows each, batch
    private readonly PredictorHeads.Bound?[,] _headBound = new PredictorHeads.Bound?[steps.Heads.Count, options.Rows + 1]; // by gen_step, batch
    private readonly float[] _predictorHidden = new float[options.Rows * steps.Heads.Hidden];
    private readonly long[] _predictorPosition = new long[1];
    private readonly int _hidden = steps.Manifest.Talker.Hidden;
    private readonly int _vocab = steps.Manifest.Talker.CodecVocab;
    private readonly int _codebookSize = steps.Manifest.Codec.CodebookSize;
    private readonly float[] _talkerRows = new float[options.Rows * steps.Manifest.Talker.Hidden];
    private readonly float[] _talkerLogits = new float[options.Rows * steps.Manifest.Talker.CodecVocab];
    private readonly float[] _talkerHidden = new float[options.Rows * steps.Manifest.Talker.Hidden];
    private readonly long[] _positions = new long[options.Rows];
    private readonly float[] _predictorRows = new float[options.Rows * 2 * steps.Manifest.Talker.Hidden];
    private readonly float[] _predictorLogits = new float[options.Rows * steps.Manifest.Codec.CodebookSize];
    private readonly ISlotCaches _predictorCaches = LaneCaches.Predictor(steps, options, options.Rows);
    private ISlotCaches _talkerCaches = LaneCaches.Talker(steps, options, options.Rows, options.StartSlots);
    private long _sizesRun;

    /// <summary>The batch sizes the lane's batched talker and predictor runs have had, bit n for n rows (63 for more).</summary>
    public long SizesRun => Interlocked.Read(ref _sizesRun);

    private void Ran(int batch) => Interlocked.Or(ref _sizesRun, 1L << Math.Min(batch, 63));

    /// <summary>The prompt of a newly admitted utterance into its row, alone (as it would be on an unbatched card).</summary>
    public void Prefill(LaneRow row, int longestInUse)
    {
        EnsureSlots(Math.Max(_shapes?.PrefillLength(row.PromptRows) ?? row.PromptRows, longestInUse + 1));
        row.Length = 0;
        Prefill(steps, prefillTalker, _shapes, _talkerCaches, row.Row, row.Prompt, row.PromptRows, row.Decoder.TalkerLogits, row.Decoder.TalkerHidden);
        row.Length = row.PromptRows;
    }

    /// <summary>
    /// A prompt into row <paramref name="row"/> of <paramref name="caches"/>, alone: through the fused engine talker when
    /// given, else the batched talker. At static shapes it is padded to a configured length: the padding's keys and values
    /// land in slots past the prompt, masked until the utterance's own frames overwrite them, and the outputs are the
    /// last real row's. The lanes and the load-time check of the batched steps prefill here.
    /// </summary>
    internal static void Prefill(BatchedDecodeSteps steps, InferenceSession? prefillTalker, StaticShapeOptions? shapes, ISlotCaches caches, int row,
        float[] prompt, int promptRows, float[] logits, float[] hidden)
    {
        var width = steps.Manifest.Talker.Hidden;
        var padded = shapes?.PrefillLength(promptRows) ?? promptRows;
        var input = prompt;
        if (padded != promptRows)
        {
            input = new float[padded * width];
            Array.Copy(prompt, input, promptRows * width);
        }

        SlotStepRunner.Run(prefillTalker ?? steps.Talker, caches, row, 1, input, padded, width, [0], perRow: prefillTalker is null,
            null, logits, steps.Manifest.Talker.CodecVocab, hidden, width, keptRow: promptRows - 1);
    }

    /// <summary>One talker step for <paramref name="rows"/>, each on its decoder's next input; <paramref name="inUse"/>: every row of the lane.</summary>
    public void Talker(IReadOnlyList<LaneRow> rows, IReadOnlyList<LaneRow> inUse)
    {
        EnsureSlots(inUse.Max(m => m.Length) + 1);
        if (rows.Count == 1 && talkerAloneIsEqual && prefillTalker is not null && !options.FixedRows)
        {
            TalkerAlone(rows[0]);
            return;
        }

        var top = options.FixedRows ? _rows : inUse.Max(m => m.Row) + 1;
        Ran(top);
        Array.Clear(_talkerRows, 0, top * _hidden);
        Array.Clear(_positions, 0, top);
        foreach (var member in inUse)
        {
            _positions[member.Row] = member.Length;
        }

        foreach (var row in rows)
        {
            Array.Copy(row.Decoder.NextInput, 0, _talkerRows, row.Row * _hidden, _hidden);
        }

        (_talkerBound[top] ??= new BoundSlotStep(steps.Talker, _talkerCaches, 0, top, _talkerRows, 1, _hidden, _positions, perRow: true,
            _talkerLogits, _vocab, _talkerHidden, _hidden)).Run(_run);
        foreach (var row in rows)
        {
            Array.Copy(_talkerLogits, row.Row * _vocab, row.Decoder.TalkerLogits, 0, _vocab);
            Array.Copy(_talkerHidden, row.Row * _hidden, row.Decoder.TalkerHidden, 0, _hidden);
            row.Length++;
        }
    }

    /// <summary>
    /// A lone talker step through the card's unbatched engine talker on the row's own cache: bit-equal to the batched step
    /// (checked at load, else never taken), without the batched graph's extra nodes or the rows riding along.
    /// </summary>
    private void TalkerAlone(LaneRow row)
    {
        Array.Copy(row.Decoder.NextInput, 0, _aloneRow, 0, _hidden);
        _alonePosition[0] = row.Length;
        (_talkerAlone[row.Row] ??= new BoundSlotStep(prefillTalker!, _talkerCaches, row.Row, 1, _aloneRow, 1, _hidden, _alonePosition,
            perRow: false, _aloneLogits, _vocab, _aloneHidden, _hidden)).Run(_run);
        Array.Copy(_aloneLogits, row.Decoder.TalkerLogits, _vocab);
        Array.Copy(_aloneHidden, row.Decoder.TalkerHidden, _hidden);
        row.Length++;
    }

    /// <summary>
    /// One predictor gen_step for <paramref name="rows"/>, every utterance of the lane drawing this frame, all at the same
    /// gen_step: in place, rows 0..top (a row not drawing a frame rides along in its own predictor cache, which restarts
    /// with its next frame).
    /// </summary>
    public void Predictor(IReadOnlyList<LaneRow> rows, int genStep)
    {
        var rowsEach = genStep == 0 ? 2 : 1;           // a frame's first run takes the talker row and c0 together
        var firstContextRow = genStep == 0 ? 0 : genStep + 1;
        var batch = options.FixedRows ? _rows : rows.Max(r => r.Row) + 1;
        Ran(batch);
        var span = rowsEach * _hidden;
        Array.Clear(_predictorRows, 0, batch * span);
        foreach (var row in rows)
        {
            Array.Copy(row.Decoder.Context, firstContextRow * _hidden, _predictorRows, row.Row * span, span);
        }

        _predictorPosition[0] = firstContextRow;
        ref var bound = ref _predictorBound[rowsEach - 1, batch];
        bound ??= new BoundSlotStep(steps.Predictor, _predictorCaches, 0, batch, _predictorRows, rowsEach, _hidden,
            _predictorPosition, perRow: false, _predictorHidden, steps.Heads.Hidden, logitsOutput: PredictorHeads.InputName);
        bound.Run(_run);
        (_headBound[genStep, batch] ??= steps.Heads.Bind(genStep, batch, _predictorHidden, _predictorLogits)).Run(_run);
        foreach (var row in rows)
        {
            Array.Copy(_predictorLogits, row.Row * _codebookSize, row.Decoder.PredictorLogits, 0, _codebookSize);
        }
    }

    /// <summary>
    /// Grows every row's talker cache until it holds <paramref name="slots"/> (doubling, or to the next configured capacity
    /// at static shapes), keeping what each row has: on the card when the caches live there, else in host arrays.
    /// </summary>
    private void EnsureSlots(int slots)
    {
        if (slots <= _talkerCaches.Slots)
        {
            return;
        }

        var capacity = _shapes?.CacheCapacity(slots) ?? _talkerCaches.Slots;
        while (capacity < slots)
        {
            capacity *= 2;
        }

        if (capacity > FusedSlotDecoderGraph.MaxTalkerPositions)
        {
            throw new InvalidOperationException($"An utterance needs {slots} talker positions, past the model's {FusedSlotDecoderGraph.MaxTalkerPositions}.");
        }

        var old = _talkerCaches;
        _talkerCaches = LaneCaches.Grown(steps, old, capacity);
        DisposeTalkerBindings(); // they bind the old cache
        (old as IDisposable)?.Dispose();
    }

    /// <summary>Back to the initial cache once the lane is empty (its caller makes sure no run is under way).</summary>
    public void Shrink()
    {
        if (_talkerCaches.Slots > _startSlots)
        {
            var old = _talkerCaches;
            _talkerCaches = LaneCaches.Talker(steps, options, _rows, _startSlots); // made before the old go: a failure leaves them whole
            DisposeTalkerBindings();
            (old as IDisposable)?.Dispose();
        }
    }

    private void DisposeTalkerBindings()
    {
        foreach (var bindings in new[] { _talkerBound, _talkerAlone })
        {
            for (var i = 0; i < bindings.Length; i++)
            {
                bindings[i]?.Dispose();
                bindings[i] = null;
            }
        }
    }

    public void Dispose()
    {
        DisposeTalkerBindings();
        foreach (var bound in _predictorBound)
        {
            bound?.Dispose();
        }

        foreach (var head in _headBound)
        {
            head?.Dispose();
        }

        (_talkerCaches as IDisposable)?.Dispose();
        (_predictorCaches as IDisposable)?.Dispose();
        _run.Dispose();
    }
}
