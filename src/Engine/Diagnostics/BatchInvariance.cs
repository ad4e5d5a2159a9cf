using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Diagnostics;

/// <summary>
/// Whether a row's logits depend on its neighbours or on the batch size, bit for bit: every row of a batch of
/// <c>batch</c> probes (each at its own position over its own random cache) against the same probe run alone (a batch
/// of one of the batched graph) and through the card's unbatched step; the predictor over its 15 lock-step gen_steps
/// likewise. Determinism is a feature here (a voice sounds the same whoever shares the card), so batching is only
/// allowed where this holds.
/// </summary>
public static class BatchInvariance
{
    /// <param name="TalkerMinRows">Rows a talker run needs for every row to be bit-equal to itself in any batch: 1, 2 (a
    /// lone utterance runs beside an idle row), or 0 when no padding makes it so.</param>
    /// <param name="TalkerEqualsUnbatched">The card's unbatched talker step gives each row's logits bit for bit (it may stand in for a lone row).</param>
    public sealed record Result(string Talker, string Predictor, int TalkerMinRows, int PredictorMinRows, bool TalkerEqualsUnbatched = false)
    {
        public bool Holds => TalkerMinRows > 0 && PredictorMinRows > 0;

        public string Line(int batch) => $"batch invariance at B={batch}: talker {Talker}; predictor {Predictor}";
    }

    /// <param name="talkerAlone">The card's unbatched talker step (same inputs), or null to compare only within the batched graph.</param>
    /// <param name="predictorAlone">The card's unbatched predictor step, or null.</param>
    /// <param name="fixedRows">Static shapes: every run carries all <paramref name="batch"/> rows, so a row alone is a row
    /// among idle ones (zeros) in a run of that size.</param>
    /// <param name="talkerSlots">The talker caches' slots (a configured capacity at static shapes), or null: enough for the probes.</param>
    public static Result Check(BatchedDecodeSteps steps, int batch, Microsoft.ML.OnnxRuntime.InferenceSession? talkerAlone,
        CachedPredictorStep? predictorAlone, ulong seed = 20261206, bool fixedRows = false, int? talkerSlots = null)
    {
        var random = new Xoshiro256(seed);
        float[] Gaussian(int length) => [.. Enumerable.Range(0, length).Select(_ => (float)random.NextGaussian())];
        var alone = fixedRows ? batch : 1;
        var (talker, talkerRows, talkerEqual) = Talker(steps, batch, alone, talkerAlone, Gaussian, talkerSlots ?? ProbeSlots(batch));
        var (predictor, predictorRows, _) = Predictor(steps, batch, alone, predictorAlone, Gaussian);
        return new Result(talker, predictor, talkerRows, predictorRows, talkerEqual);
    }

    /// <summary>Every row of a batch against itself alone (a batch of one, else beside an idle row) and the unbatched step.</summary>
    /// <summary>Slots past the last probe's position (5 + 3 r for row r): random caches, where any K/V is a valid prefix.</summary>
    public static int ProbeSlots(int batch) => 64 * ((5 + (3 * batch) + 64) / 64);

    private static (string Verdict, int MinRows, bool EqualsUnbatched) Talker(BatchedDecodeSteps steps, int batch, int aloneRows,
        Microsoft.ML.OnnxRuntime.InferenceSession? unbatched, Func<int, float[]> gaussian, int slots)
    {
        var t = steps.Manifest.Talker;
        var caches = SlotStepRunner.Caches.Zeros(t.Layers, batch, t.KvHeads, slots, t.HeadDim);
        foreach (var array in caches.Keys.Concat(caches.Values))
        {
            gaussian(array.Length).CopyTo(array, 0);
        }

        var pristine = caches.Copy();
        var rows = gaussian(batch * t.Hidden);
        var positions = Enumerable.Range(0, batch).Select(r => 5L + (3L * r)).ToArray();
        var (together, togetherHidden) = (new float[batch * t.CodecVocab], new float[batch * t.Hidden]);
        SlotStepRunner.Run(steps.Talker, caches, 0, batch, rows, 1, t.Hidden, positions, perRow: true, null, together, t.CodecVocab, togetherHidden, t.Hidden);

        (float[] Logits, float[] Hidden) Alone(Microsoft.ML.OnnxRuntime.InferenceSession session, int r, int runRows, bool perRow)
        {
            // Row r's cache and input in row 0 of a run of runRows rows; an idle neighbour (zeros) fills the rest.
            var own = SlotStepRunner.Caches.Zeros(t.Layers, runRows, t.KvHeads, slots, t.HeadDim);
            for (var i = 0; i < t.Layers; i++)
            {
                Array.Copy(pristine.Keys[i], r * own.RowElements, own.Keys[i], 0, own.RowElements);
                Array.Copy(pristine.Values[i], r * own.RowElements, own.Values[i], 0, own.RowElements);
            }

            var input = new float[runRows * t.Hidden];
            Array.Copy(rows, r * t.Hidden, input, 0, t.Hidden);
            var (logits, hidden) = (new float[runRows * t.CodecVocab], new float[runRows * t.Hidden]);
            SlotStepRunner.Run(session, own, 0, runRows, input, 1, t.Hidden, perRow ? [.. Enumerable.Repeat(positions[r], runRows)] : [positions[r]],
                perRow, null, logits, t.CodecVocab, hidden, t.Hidden);
            return (logits, hidden);
        }

        return Verdict(batch, aloneRows, r =>
        {
            var (logits, hidden) = Alone(steps.Talker, r, aloneRows, perRow: true);
            return Differs(together, logits, r, t.CodecVocab) ?? Differs(togetherHidden, hidden, r, t.Hidden);
        }, r =>
        {
            var (logits, hidden) = Alone(steps.Talker, r, 2, perRow: true);
            return Differs(together, logits, r, t.CodecVocab) ?? Differs(togetherHidden, hidden, r, t.Hidden);
        }, unbatched is null ? null : r =>
        {
            var (logits, hidden) = Alone(unbatched, r, 1, perRow: false);
            return Differs(together, logits, r, t.CodecVocab) ?? Differs(togetherHidden, hidden, r, t.Hidden);
        });
    }

    /// <summary>15 lock-step gen_steps for the batch and for each row alone, from fresh caches.</summary>
    private static (string Verdict, int MinRows, bool EqualsUnbatched) Predictor(BatchedDecodeSteps steps, int batch, int aloneRows, CachedPredictorStep? unbatched,
        Func<int, float[]> gaussian)
    {
        var manifest = steps.Manifest;
        var shape = manifest.CodePredictor!;
        var (hidden, vocab, codebooks) = (manifest.Talker.Hidden, manifest.Codec.CodebookSize, manifest.Codec.Codebooks);
        var context = gaussian(batch * codebooks * hidden);
        var together = Run(steps.RunPredictor, batch, context);

        float[][] Alone(PredictorStep step, int r, int runRows)
        {
            var own = new float[runRows * codebooks * hidden];
            Array.Copy(context, r * codebooks * hidden, own, 0, codebooks * hidden);
            return Run(step, runRows, own);
        }

        string? Compare(float[][] alone, int r)
        {
            for (var s = 0; s < codebooks - 1; s++)
            {
                if (Differs(together[s], alone[s], r, vocab) is { } difference)
                {
                    return $"{difference} at gen_step {s}";
                }
            }

            return null;
        }

        PredictorStep? alone = unbatched?.Heads is { } unbatchedHeads
            ? (caches, rows, input, rowsEach, position, s, logits) => SlotStepRunner.Run(unbatched.Session, caches, 0, rows, input, rowsEach, hidden,
                [position], perRow: false, unbatchedHeads[s], logits, vocab)
            : null;
        return Verdict(batch, aloneRows, r => Compare(Alone(steps.RunPredictor, r, aloneRows), r), r => Compare(Alone(steps.RunPredictor, r, 2), r),
            alone is null ? null : r => Compare(Alone(alone, r, 1), r));

        float[][] Run(PredictorStep step, int rows, float[] contexts)
        {
            var caches = SlotStepRunner.Caches.Zeros(shape.Layers, rows, shape.KvHeads, SlotDecoderGraph.PredictorSlots, shape.HeadDim);
            var logits = new float[codebooks - 1][];
            for (var s = 0; s < codebooks - 1; s++)
            {
                var rowsEach = s == 0 ? 2 : 1;
                var input = new float[rows * rowsEach * hidden];
                for (var b = 0; b < rows; b++)
                {
                    var first = s == 0 ? 0 : s + 1;
                    Array.Copy(contexts, ((b * codebooks) + first) * hidden, input, b * rowsEach * hidden, rowsEach * hidden);
                }

                logits[s] = new float[rows * vocab];
                step(caches, rows, input, rowsEach, s == 0 ? 0 : s + 1, s, logits[s]);
            }

            return logits;
        }
    }

    /// <summary>A predictor gen_step for <c>rows</c> utterances: caches, rows, input, rows each, position, gen_step, logits.</summary>
    private delegate void PredictorStep(SlotStepRunner.Caches caches, int rows, float[] input, int rowsEach, int position, int genStep, float[] logits);

    /// <summary>
    /// Every row against itself alone: as a batch of one (min rows 1), else beside an idle row (min rows 2); and, for
    /// the record, against the card's unbatched step.
    /// </summary>

    /// <param name="aloneRows">Rows of the run a row alone is checked in: 1, or all of them (fixed rows; idle ones beside it).</param>
    private static (string Verdict, int MinRows, bool EqualsUnbatched) Verdict(int batch, int aloneRows, Func<int, string?> aloneAtOne, Func<int, string?> aloneAtTwo,
        Func<int, string?>? unbatched)
    {
        if (aloneRows > 1)
        {
            aloneAtTwo = aloneAtOne; // no smaller run is ever made
        }

        string? First(Func<int, string?> compare) => Enumerable.Range(0, batch).Select(compare).FirstOrDefault(d => d is not null);
        var atOne = First(aloneAtOne);
        var atTwo = atOne is null ? null : First(aloneAtTwo);
        var unbatchedDifference = unbatched is null ? null : First(unbatched);
        var againstUnbatched = unbatched is null ? "" : unbatchedDifference is { } d ? $"; the card's unbatched step {d}" : "; equal to the card's unbatched step";
        var equalsUnbatched = unbatched is not null && unbatchedDifference is null;
        return (atOne, atTwo) switch
        {
            (null, _) => ($"identical (every row of {batch} equals the same row alone{(aloneRows > 1 ? " among idle rows, as every run carries all of them" : "")}{againstUnbatched})",
                1, equalsUnbatched),
            (_, null) => ($"identical from two rows up (alone at one row it {atOne}: a lone utterance runs beside an idle row{againstUnbatched})", 2, equalsUnbatched),
            _ => ($"NOT invariant: {atTwo}{againstUnbatched}", 0, equalsUnbatched),
        };
    }

    private static string? Differs(float[] together, float[] alone, int row, int width)
    {
        var mine = together.AsSpan(row * width, width);
        var theirs = alone.AsSpan(0, width);
        if (mine.SequenceEqual(theirs))
        {
            return null;
        }

        var largest = 0f;
        for (var i = 0; i < width; i++)
        {
            largest = Math.Max(largest, Math.Abs(mine[i] - theirs[i]));
        }

        return $"differs in row {row} (largest difference {largest:G3})";
    }
}
