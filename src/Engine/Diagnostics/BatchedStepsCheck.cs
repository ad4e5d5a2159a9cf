using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Batching;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Diagnostics;

/// <summary>
/// Whether the batched steps give the model's logits, as the card's unbatched forms were checked at load: a probe
/// utterance in row 1 of two (row 0 another utterance at another position) through its prompt and four decode steps,
/// and through the predictor's 15 lock-step gen_steps, against the card's unbatched talker and predictor, within the
/// export precision's tolerance. Those are the export's graphs, or the engine's forms the card checked against them at
/// load (its fused engine talker, its static-shape slot talker, its cached predictor), so no export graph is opened again
/// where the card released it. The check's caches are made, grown and viewed as the lanes' are (on the card for a GPU or
/// NPU), and at static shapes it runs only the lanes' shapes. Invariance proves a row equals itself alone; this proves
/// that what it equals is the model.
/// </summary>
public static class BatchedStepsCheck
{
    public sealed record Result(double TalkerDifference, double TalkerAllowed, double PredictorDifference, double PredictorAllowed)
    {
        public bool Agrees => TalkerDifference <= TalkerAllowed && PredictorDifference <= PredictorAllowed;

        public string Line => string.Create(CultureInfo.InvariantCulture,
            $"against the card's unbatched steps: talker largest logit difference {TalkerDifference:G3} (allowed {TalkerAllowed:G3}), predictor {PredictorDifference:G3} (allowed {PredictorAllowed:G3})");
    }

    /// <param name="prefillTalker">The unbatched talker the lanes prefill with, or null (the batched talker prefills).</param>
    /// <param name="options">The lanes' options: where their caches live, and at static shapes the rows, capacities and prompt lengths.</param>
    public static Result Run(SpeechSynthesizer card, BatchedDecodeSteps steps, InferenceSession? prefillTalker, BatchingOptions options)
    {
        var sessions = card.Sessions;
        var released = sessions.Released.ToList();
        try
        {
            var random = new Xoshiro256(20261208);
            float[] Gaussian(int length) => [.. Enumerable.Range(0, length).Select(_ => (float)random.NextGaussian())];
            var (talker, talkerScale) = Talker(card, steps, prefillTalker, options, Gaussian);
            var (predictor, predictorScale) = Predictor(card, steps, options, Gaussian);
            return new Result(talker, EngineAcceleration.Allowed(sessions, GraphNames.TalkerDecode, talkerScale).Tolerance,
                predictor, EngineAcceleration.Allowed(sessions, GraphNames.CodePredictor, predictorScale).Tolerance);
        }
        finally
        {
            foreach (var graph in released)
            {
                sessions.Release(graph);
            }
        }
    }

    /// <summary>Rows a check run carries: two (the probe beside another), or at fixed rows every row of a lane.</summary>
    private static int RunRows(BatchingOptions options) => options.FixedRows ? options.Rows : 2;

    private static (double Difference, double Scale) Talker(SpeechSynthesizer card, BatchedDecodeSteps steps, InferenceSession? prefillTalker,
        BatchingOptions options, Func<int, float[]> gaussian)
    {
        var t = steps.Manifest.Talker;
        const int promptRows = 7, otherRows = 3, decodes = 4;
        var shapes = options.Shapes;
        var (runRows, probe) = (RunRows(options), RunRows(options) - 1);
        var prompt = gaussian((promptRows + decodes) * t.Hidden);
        var (logits, hidden) = (new float[runRows * t.CodecVocab], new float[runRows * t.Hidden]);
        using var run = new RunOptions();
        using var reference = Reference(card, prefillTalker, run, decodes);
        // Dynamic: 8 slots, grown to 16 mid-way, as a lane grows; static: a configured capacity.
        var caches = LaneCaches.Talker(steps, options, runRows, shapes?.CacheCapacity(Math.Max(shapes.PrefillLength(promptRows), promptRows + decodes)) ?? 8);
        void Prefill(int row, float[] rows, int count) => LaneSteps.Prefill(steps, prefillTalker, shapes, caches, row, rows, count, logits, hidden);

        try
        {
            var (expected, expectedHidden) = (new float[t.CodecVocab], new float[t.Hidden]);
            if (probe > 0)
            {
                Prefill(0, gaussian(otherRows * t.Hidden), otherRows);
            }

            Prefill(probe, prompt, promptRows);
            reference.Prefill(prompt, promptRows, expected, expectedHidden);
            var (difference, scale) = Compare(expected, logits, expectedHidden, hidden, row: 0, t.CodecVocab, t.Hidden); // a prefill's outputs land in row 0
            for (var s = 0; s < decodes; s++)
            {
                if (promptRows + s + 1 > caches.Slots)
                {
                    var old = caches;
                    caches = LaneCaches.Grown(steps, old, 2 * old.Slots);
                    (old as IDisposable)?.Dispose();
                }

                var next = prompt[((promptRows + s) * t.Hidden)..((promptRows + s + 1) * t.Hidden)];
                var rows = gaussian(runRows * t.Hidden);
                next.CopyTo(rows, probe * t.Hidden);
                var positions = Enumerable.Range(0, runRows).Select(r => (long)(r == probe ? promptRows + s : otherRows + s)).ToArray();
                SlotStepRunner.Run(steps.Talker, caches, 0, runRows, rows, 1, t.Hidden, positions, perRow: true, null, logits, t.CodecVocab, hidden, t.Hidden);
                reference.Decode(next, expected, expectedHidden);
                var (d, m) = Compare(expected, logits, expectedHidden, hidden, probe, t.CodecVocab, t.Hidden);
                (difference, scale) = (Math.Max(difference, d), Math.Max(scale, m));
            }

            return (difference, scale);
        }
        finally
        {
            (caches as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The card's unbatched talker: its fused engine talker when the lanes prefill with it; at static shapes its slot
    /// talker at its own shapes (which it compiled); else the export's talker graphs.
    /// </summary>
    private static ITalker Reference(SpeechSynthesizer card, InferenceSession? prefillTalker, RunOptions run, int decodes)
    {
        if (prefillTalker is not null)
        {
            return new BucketedTalker(prefillTalker, card.Sessions, run, new OrtTimer(), shapes: null, inPlace: true);
        }

        if (card.StaticShapes is { } shapes && card.Acceleration.EnsureTalkerStep(card.Sessions) is { } step)
        {
            var talker = new BucketedTalker(step, card.Sessions, run, new OrtTimer(), shapes, card.Acceleration.TalkerStepInPlace);
            talker.Reserve(decodes);
            return talker;
        }

        return new OnnxTalker(card.Sessions, run, new OrtTimer(), card.DecodeMaskExtra);
    }

    private static (double Difference, double Scale) Predictor(SpeechSynthesizer card, BatchedDecodeSteps steps, BatchingOptions options, Func<int, float[]> gaussian)
    {
        var manifest = steps.Manifest;
        var (hidden, vocab, codebooks) = (manifest.Talker.Hidden, manifest.Codec.CodebookSize, manifest.Codec.Codebooks);
        var (runRows, probe) = (RunRows(options), RunRows(options) - 1);
        var contexts = gaussian(runRows * codebooks * hidden);
        var own = contexts[(probe * codebooks * hidden)..((probe + 1) * codebooks * hidden)];
        using var run = new RunOptions();
        using ICodePredictor reference = card.UseCachedPredictor && card.Acceleration.Predictor is { } cached
            ? new CachedCodePredictor(cached, hidden, vocab, run, new OrtTimer())
            : new OnnxCodePredictor(card.Sessions, run, new OrtTimer());
        var caches = LaneCaches.Predictor(steps, options, runRows);
        try
        {
            var (expected, logits) = (new float[vocab], new float[runRows * vocab]);
            double difference = 0, scale = 0;
            for (var s = 0; s < codebooks - 1; s++)
            {
                var (rowsEach, first) = s == 0 ? (2, 0) : (1, s + 1);
                var input = new float[runRows * rowsEach * hidden];
                for (var b = 0; b < runRows; b++)
                {
                    Array.Copy(contexts, ((b * codebooks) + first) * hidden, input, b * rowsEach * hidden, rowsEach * hidden);
                }

                steps.RunPredictor(caches, runRows, input, rowsEach, first, s, logits);
                reference.Logits(own, s + 2, s, expected);
                var (d, m) = Compare(expected, logits, null, null, probe, vocab, 0);
                (difference, scale) = (Math.Max(difference, d), Math.Max(scale, m));
            }

            return (difference, scale);
        }
        finally
        {
            (caches as IDisposable)?.Dispose();
        }
    }

    /// <summary>Largest difference of row <paramref name="row"/>'s logits (and hidden state) from the export's, and the logits' scale.</summary>
    private static (double Difference, double Scale) Compare(float[] expected, float[] logits, float[]? expectedHidden, float[]? hidden, int row, int vocab, int width)
    {
        double difference = 0, scale = 0;
        for (var i = 0; i < vocab; i++)
        {
            difference = Math.Max(difference, Math.Abs(expected[i] - logits[(row * vocab) + i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }

        for (var i = 0; expectedHidden is not null && i < width; i++)
        {
            difference = Math.Max(difference, Math.Abs(expectedHidden[i] - hidden![(row * width) + i]));
        }

        return (difference, scale);
    }
}
