using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// One run of a fused slot-cache step (the engine talker or the cached predictor, batched or not) over caller-owned
/// buffers: the rows in, the position(s), the predictor's head, and every layer's K and V cache bound as both input and
/// output, so the step writes its rows' K/V in place. <paramref name="batch"/> rows of caches start at
/// <paramref name="firstRow"/> of the cache arrays (a row of a batch cache runs alone as a batch of one).
/// </summary>
public static class SlotStepRunner
{
    public sealed record Caches(float[][] Keys, float[][] Values, int KvHeads, int Slots, int HeadDim)
    {
        public int RowElements => KvHeads * Slots * HeadDim;

        public static Caches Zeros(int layers, int rows, int kvHeads, int slots, int headDim) => new(
            [.. Enumerable.Range(0, layers).Select(_ => new float[rows * kvHeads * slots * headDim])],
            [.. Enumerable.Range(0, layers).Select(_ => new float[rows * kvHeads * slots * headDim])], kvHeads, slots, headDim);

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
    /// Logits (and the talker's hidden state) of each batch row's last input row land in the outputs, row by row.
    /// </summary>
    public static void Run(InferenceSession session, Caches caches, int firstRow, int batch, float[] rows, int rowsEach, int width,
        long[] positions, bool perRow, OrtValue? head, float[] logits, int vocab, float[]? hidden = null, int hiddenWidth = 0)
    {
        var values = new List<OrtValue>();
        try
        {
            using var binding = session.CreateIoBinding();
            OrtValue Add(OrtValue value)
            {
                values.Add(value);
                return value;
            }

            binding.BindInput("rows", Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows.AsMemory(0, batch * rowsEach * width), [batch, rowsEach, width])));
            binding.BindInput(perRow ? FusedSlotDecoderGraph.PositionsInput : "position",
                Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, positions.AsMemory(0, perRow ? batch : 1), [perRow ? batch : 1])));
            if (head is not null)
            {
                binding.BindInput(FusedSlotDecoderGraph.HeadInput, head);
            }

            // Outputs come back in the order they are bound: logits (and the talker's hidden state) first.
            var outputRows = hidden is null ? 1 : rowsEach; // the talker's outputs cover every input row; the predictor's only the last
            binding.BindOutputToDevice("logits", OrtMemoryInfo.DefaultInstance);
            if (hidden is not null)
            {
                binding.BindOutputToDevice("last_hidden", OrtMemoryInfo.DefaultInstance);
            }

            long[] cacheShape = [batch, caches.KvHeads, caches.Slots, caches.HeadDim];
            for (var i = 0; i < caches.Keys.Length; i++)
            {
                var keys = Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    caches.Keys[i].AsMemory(firstRow * caches.RowElements, batch * caches.RowElements), cacheShape));
                var valuesCache = Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    caches.Values[i].AsMemory(firstRow * caches.RowElements, batch * caches.RowElements), cacheShape));
                binding.BindInput($"past_key_{i}", keys);
                binding.BindInput($"past_value_{i}", valuesCache);
                binding.BindOutput($"present_key_{i}", keys);
                binding.BindOutput($"present_value_{i}", valuesCache);
            }

            using var run = new RunOptions();
            session.RunWithBinding(run, binding);
            using var outputs = binding.GetOutputValues();
            var produced = outputs[0].GetTensorTypeAndShape().Shape;
            if (produced.Aggregate(1L, (a, d) => a * d) != (long)batch * outputRows * vocab)
            {
                throw new InvalidOperationException($"The step's logits came out [{string.Join(",", produced)}] for a batch of {batch} x {outputRows} rows of {vocab}.");
            }

            for (var b = 0; b < batch; b++)
            {
                FloatTensors.Read(outputs[0], logits.AsSpan(b * vocab, vocab), ((b * outputRows) + outputRows - 1) * vocab);
                if (hidden is not null)
                {
                    FloatTensors.Read(outputs[1], hidden.AsSpan(b * hiddenWidth, hiddenWidth), ((b * outputRows) + outputRows - 1) * hiddenWidth);
                }
            }
        }
        finally
        {
            values.ForEach(v => v.Dispose());
        }
    }
}
