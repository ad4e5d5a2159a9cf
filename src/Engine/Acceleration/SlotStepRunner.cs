using Microsoft.ML.OnnxRuntime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// One run of a fused slot-cache step (the engine talker or the cached predictor, batched or not), bound for that run
/// alone (<see cref="BoundSlotStep"/> keeps the binding for a loop), over caller-owned buffers: the rows in, the
/// position(s), the predictor's head, and every layer's K and V cache bound as both input and output, so the step writes
/// its rows' K/V in place. <paramref name="batch"/> rows of caches start at
/// <paramref name="firstRow"/> of the cache arrays (a row of a batch cache runs alone as a batch of one).
/// </summary>
public static class SlotStepRunner
{
    /// <summary>Caches in host arrays (the CPU's, and the checks').</summary>
    public sealed record Caches(float[][] Keys, float[][] Values, int KvHeads, int Slots, int HeadDim) : ISlotCaches
    {
        public int RowElements => KvHeads * Slots * HeadDim;

        public int Layers => Keys.Length;

        OrtValue ISlotCaches.Keys(int layer, int firstRow, int rows) => View(Keys[layer], firstRow, rows);

        OrtValue ISlotCaches.Values(int layer, int firstRow, int rows) => View(Values[layer], firstRow, rows);

        private OrtValue View(float[] array, int firstRow, int rows) => OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
            array.AsMemory(firstRow * RowElements, rows * RowElements), [rows, KvHeads, Slots, HeadDim]);

        public static Caches Zeros(int layers, int rows, int kvHeads, int slots, int headDim) => new(
            [.. Enumerable.Range(0, layers).Select(_ => new float[rows * kvHeads * slots * headDim])],
            [.. Enumerable.Range(0, layers).Select(_ => new float[rows * kvHeads * slots * headDim])], kvHeads, slots, headDim);

        /// <summary>These caches with every row's slots kept and zero slots after them, up to <paramref name="slots"/> (a new cache; this one stays).</summary>
        public Caches Grown(int slots)
        {
            var rows = Keys[0].Length / RowElements;
            var grown = Zeros(Layers, rows, KvHeads, slots, HeadDim);
            var block = Slots * HeadDim;
            for (var layer = 0; layer < Layers; layer++)
            {
                for (var row = 0; row < rows; row++)
                {
                    for (var head = 0; head < KvHeads; head++)
                    {
                        var from = (row * RowElements) + (head * block);
                        var to = (row * grown.RowElements) + (head * slots * HeadDim);
                        Array.Copy(Keys[layer], from, grown.Keys[layer], to, block);
                        Array.Copy(Values[layer], from, grown.Values[layer], to, block);
                    }
                }
            }

            return grown;
        }

        public Caches Copy() => this with { Keys = [.. Keys.Select(k => (float[])k.Clone())], Values = [.. Values.Select(v => (float[])v.Clone())] };

        public void CopyFrom(Caches other)
        {
            for (var i = 0; i < Keys.Length; i++)
            {
                other.Keys[i].CopyTo(Keys[i], 0);
                other.Values[i].CopyTo(Values[i], 0);
            }
        }
    }

    /// <summary>
    /// Runs the step: <paramref name="rows"/> holds batch x rowsEach rows of the input width; <paramref name="positions"/>
    /// one position for all (predictor, unbatched talker) or one per row (batched talker, <paramref name="perRow"/>).
    /// Logits (and the talker's hidden state) of each batch row's last input row (or <paramref name="keptRow"/>: a padded
    /// prompt's last real row) land in the outputs, row by row.
    /// </summary>
    public static void Run(InferenceSession session, ISlotCaches caches, int firstRow, int batch, float[] rows, int rowsEach, int width,
        long[] positions, bool perRow, OrtValue? head, float[] logits, int vocab, float[]? hidden = null, int hiddenWidth = 0, string logitsOutput = "logits",
        int? keptRow = null)
    {
        // The talker's outputs cover every input row (only each batch row's last is kept); the predictor's only the last.
        var outputRows = hidden is null ? 1 : rowsEach;
        var (allLogits, allHidden) = outputRows == 1 ? (logits, hidden) : (new float[batch * outputRows * vocab], new float[batch * outputRows * hiddenWidth]);
        using (var step = new BoundSlotStep(session, caches, firstRow, batch, rows, rowsEach, width, positions, perRow, allLogits, vocab, allHidden, hiddenWidth, logitsOutput))
        using (var run = new RunOptions())
        {
            step.Run(run, head);
        }

        var kept = keptRow ?? outputRows - 1;
        for (var b = 0; b < batch && outputRows > 1; b++)
        {
            Array.Copy(allLogits, ((b * outputRows) + kept) * vocab, logits, b * vocab, vocab);
            Array.Copy(allHidden!, ((b * outputRows) + kept) * hiddenWidth, hidden!, b * hiddenWidth, hiddenWidth);
        }
    }
}
