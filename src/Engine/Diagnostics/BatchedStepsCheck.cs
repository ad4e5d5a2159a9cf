using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
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
/// load (its fused engine talker, its cached predictor), so no export graph is opened again for this where the card
/// released it; a static-shape card's released talker is opened for the check and released again. Invariance proves a
/// row equals itself alone; this proves that what it equals is the model.
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
    public static Result Run(SpeechSynthesizer card, BatchedDecodeSteps steps, InferenceSession? prefillTalker)
    {
        var sessions = card.Sessions;
        var released = sessions.Released.ToList();
        try
        {
            var random = new Xoshiro256(20261208);
            float[] Gaussian(int length) => [.. Enumerable.Range(0, length).Select(_ => (float)random.NextGaussian())];
            var (talker, talkerScale) = Talker(card, steps, prefillTalker, Gaussian);
            var (predictor, predictorScale) = Predictor(card, steps, Gaussian);
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

    private static (double Difference, double Scale) Talker(SpeechSynthesizer card, BatchedDecodeSteps steps, InferenceSession? prefillTalker,
        Func<int, float[]> gaussian)
    {
        var t = steps.Manifest.Talker;
        const int promptRows = 7, otherRows = 3, decodes = 4;
        var prompt = gaussian((promptRows + decodes) * t.Hidden);
        var caches = SlotStepRunner.Caches.Zeros(t.Layers, 2, t.KvHeads, 64, t.HeadDim);
        var (logits, hidden) = (new float[2 * t.CodecVocab], new float[2 * t.Hidden]);
        void Prefill(int row, float[] rows, int count) => SlotStepRunner.Run(prefillTalker ?? steps.Talker, caches, row, 1, rows, count, t.Hidden, [0],
            perRow: prefillTalker is null, null, logits, t.CodecVocab, hidden, t.Hidden);

        using var run = new RunOptions();
        using ITalker export = prefillTalker is not null
            ? new BucketedTalker(prefillTalker, card.Sessions, run, new OrtTimer(), shapes: null, inPlace: true)
            : new OnnxTalker(card.Sessions, run, new OrtTimer(), card.DecodeMaskExtra);
        var (expected, expectedHidden) = (new float[t.CodecVocab], new float[t.Hidden]);
        Prefill(0, gaussian(otherRows * t.Hidden), otherRows);
        Prefill(1, prompt, promptRows);
        export.Prefill(prompt, promptRows, expected, expectedHidden);
        var (difference, scale) = Compare(expected, logits, expectedHidden, hidden, row: 0, t.CodecVocab, t.Hidden); // a prefill's outputs land in row 0
        for (var s = 0; s < decodes; s++)
        {
            var next = prompt[((promptRows + s) * t.Hidden)..((promptRows + s + 1) * t.Hidden)];
            var rows = new float[2 * t.Hidden];
            gaussian(t.Hidden).CopyTo(rows, 0);
            next.CopyTo(rows, t.Hidden);
            SlotStepRunner.Run(steps.Talker, caches, 0, 2, rows, 1, t.Hidden, [otherRows + s, promptRows + s], perRow: true, null, logits, t.CodecVocab, hidden, t.Hidden);
            export.Decode(next, expected, expectedHidden);
            var (d, m) = Compare(expected, logits, expectedHidden, hidden, row: 1, t.CodecVocab, t.Hidden);
            (difference, scale) = (Math.Max(difference, d), Math.Max(scale, m));
        }

        return (difference, scale);
    }

    private static (double Difference, double Scale) Predictor(SpeechSynthesizer card, BatchedDecodeSteps steps, Func<int, float[]> gaussian)
    {
        var manifest = steps.Manifest;
        var shape = manifest.CodePredictor!;
        var (hidden, vocab, codebooks) = (manifest.Talker.Hidden, manifest.Codec.CodebookSize, manifest.Codec.Codebooks);
        var contexts = gaussian(2 * codebooks * hidden);
        var own = contexts[(codebooks * hidden)..];
        using var run = new RunOptions();
        using ICodePredictor export = card.UseCachedPredictor && card.Acceleration.Predictor is { } cached
            ? new CachedCodePredictor(cached, hidden, vocab, run, new OrtTimer())
            : new OnnxCodePredictor(card.Sessions, run, new OrtTimer());
        var caches = SlotStepRunner.Caches.Zeros(shape.Layers, 2, shape.KvHeads, SlotDecoderGraph.PredictorSlots, shape.HeadDim);
        var (expected, logits) = (new float[vocab], new float[2 * vocab]);
        double difference = 0, scale = 0;
        for (var s = 0; s < codebooks - 1; s++)
        {
            var (rowsEach, first) = s == 0 ? (2, 0) : (1, s + 1);
            var input = new float[2 * rowsEach * hidden];
            for (var b = 0; b < 2; b++)
            {
                Array.Copy(contexts, ((b * codebooks) + first) * hidden, input, b * rowsEach * hidden, rowsEach * hidden);
            }

            steps.RunPredictor(caches, 2, input, rowsEach, first, s, logits);
            export.Logits(own, s + 2, s, expected);
            var (d, m) = Compare(expected, logits, null, null, row: 1, vocab, 0);
            (difference, scale) = (Math.Max(difference, d), Math.Max(scale, m));
        }

        return (difference, scale);
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
