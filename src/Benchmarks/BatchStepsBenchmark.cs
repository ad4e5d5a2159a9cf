using System.Diagnostics;
using System.Globalization;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// <c>batch-steps</c>: what continuous batching can give a CPU card, measured on the model's compute alone (no sampling,
/// no codec decode): frames/s of the decode steps (one talker step and the 15 predictor steps of a frame) for B
/// utterances in one batched run each, against today's card, which runs each utterance's batch-1 steps on its own thread.
/// Both side by side at every level in one run, and first the batch-invariance proof at the largest level (every row bit-equal
/// to the same row alone and to today's unbatched step).
/// </summary>
public static class BatchStepsBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var size = Option(args, "--size", "proportional");
        var levels = Option(args, "--levels", "1,2,4,8,16").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var seconds = double.Parse(Option(args, "--seconds", "4"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Option(args, "--threads", "1"), CultureInfo.InvariantCulture);
        var lanes = int.Parse(Option(args, "--lanes", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var directory = OptionalOption(args, "--model") ?? MiniatureLocator.Ensure(size);
        using var card = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions { IntraOpThreads = threads });
        card.ReleaseExportGraphsNotRun(); // as a card does once loaded: at full size the export's talker graphs are 10 GiB
        using var batched = BatchedDecodeSteps.Build(card.Sessions);
        var talkerAlone = card.Acceleration.EngineTalker(card.Sessions)
                          ?? throw new InvalidOperationException("This benchmark compares with the CPU's engine talker, which is " + card.Acceleration.TalkerStatus);
        var predictorAlone = card.Acceleration.Predictor is { TakesTwoRows: true } fused
            ? fused
            : throw new InvalidOperationException("This benchmark compares with the CPU's fused predictor, which is " + card.Acceleration.PredictorStatus);
        Console.WriteLine($"Decode-step benchmark: {size} ({directory}), CPU, {threads} intra-op thread(s) per run, batched in up to {lanes} lane(s), {Environment.ProcessorCount} cores, " +
                          $"{seconds} s a level (model compute only: no sampling, no codec decode).");
        var invariance = BatchInvariance.Check(batched, levels.Max(), talkerAlone, predictorAlone);
        Console.WriteLine(invariance.Line(levels.Max()));
        var minRows = Math.Max(1, Math.Max(invariance.TalkerMinRows, invariance.PredictorMinRows));

        var t = card.Manifest.Talker;
        Console.WriteLine();
        Console.WriteLine("| utterances | today: one thread each, batch-1 steps (frames/s) | batched: one run per lane for its rows (frames/s) | batched / today | batched ms a frame-step |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var level in levels)
        {
            var today = await UnbatchedAsync(talkerAlone, predictorAlone, batched, level, seconds);
            var together = await BatchedAsync(batched, level, Math.Min(lanes, level), minRows, seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {level} | {today:F1} | {together.FramesPerSecond:F1} | {together.FramesPerSecond / today:F2}x | {together.MillisecondsPerStep:F2} |"));
        }

        if (minRows > 1)
        {
            Console.WriteLine($"Batched runs take at least {minRows} rows (see the invariance line): a lone utterance is counted as one frame of a {minRows}-row run.");
        }

        Console.WriteLine($"A frame-step: one talker step and the 15 predictor steps for every utterance; frames/s counts each utterance's frame. " +
                          $"Talker {t.Hidden} wide x {t.Layers} layers, cache at position ~200.");
        return 0;
    }

    /// <summary>
    /// The utterances split over <paramref name="lanes"/> lanes (one thread each, as a card would run one lane per core),
    /// each lane one batched run per step for its rows; a lane's runs take at least <paramref name="minRows"/> rows.
    /// </summary>
    private static async Task<(double FramesPerSecond, double MillisecondsPerStep)> BatchedAsync(BatchedDecodeSteps steps, int utterances, int lanes,
        int minRows, double seconds)
    {
        var shares = Enumerable.Range(0, lanes).Select(l => (utterances / lanes) + (l < utterances % lanes ? 1 : 0)).ToArray();
        var loops = shares.Select(share => new FrameLoop(steps, steps.Talker, null, null, Math.Max(share, minRows), perRow: true)).ToArray();
        var (stepsRun, elapsed) = await RunConcurrentlyAsync(loops, seconds);
        var framesPerSecond = stepsRun.Zip(shares, (frames, share) => frames * share).Sum() / elapsed.TotalSeconds;
        return (framesPerSecond, elapsed.TotalMilliseconds / stepsRun.Average());
    }

    private static async Task<double> UnbatchedAsync(Microsoft.ML.OnnxRuntime.InferenceSession talker, CachedPredictorStep predictor, BatchedDecodeSteps steps,
        int utterances, double seconds)
    {
        var loops = Enumerable.Range(0, utterances).Select(_ => new FrameLoop(steps, talker, predictor.Session, predictor.Heads!, 1, perRow: false)).ToArray();
        var (counts, elapsed) = await RunConcurrentlyAsync(loops, seconds);
        return counts.Sum() / elapsed.TotalSeconds;
    }

    /// <summary>Each loop on its own thread for the same bounded time (after one untimed frame each); frame-steps per loop.</summary>
    private static async Task<(int[] Steps, TimeSpan Elapsed)> RunConcurrentlyAsync(FrameLoop[] loops, double seconds)
    {
        foreach (var loop in loops)
        {
            loop.Frame(); // first run: allocations, kernel choice
        }

        var watch = Stopwatch.StartNew();
        var counts = await Task.WhenAll(loops.Select(loop => Task.Run(() =>
        {
            var frames = 0;
            while (watch.Elapsed.TotalSeconds < seconds && frames < 100_000)
            {
                loop.Frame();
                frames++;
            }

            return frames;
        })));
        return (counts, watch.Elapsed);
    }

    /// <summary>The runs of one frame for a batch of utterances (or one), on its own caches and random inputs.</summary>
    private sealed class FrameLoop
    {
        private readonly BatchedDecodeSteps _steps;
        private readonly Microsoft.ML.OnnxRuntime.InferenceSession _talker;
        private readonly Microsoft.ML.OnnxRuntime.InferenceSession? _predictor;
        private readonly int _batch;
        private readonly bool _perRow;
        private readonly SlotStepRunner.Caches _talkerCache;
        private readonly SlotStepRunner.Caches _predictorCache;
        private readonly float[] _rows;
        private readonly float[] _context;
        private readonly long[] _positions;
        private readonly float[] _logits;
        private readonly float[] _hidden;
        private readonly float[] _predictorLogits;

        private readonly Microsoft.ML.OnnxRuntime.OrtValue[]? _heads;

        /// <param name="predictor">The unbatched predictor and its <paramref name="heads"/>; null: the batched steps' predictor.</param>
        public FrameLoop(BatchedDecodeSteps steps, Microsoft.ML.OnnxRuntime.InferenceSession talker, Microsoft.ML.OnnxRuntime.InferenceSession? predictor,
            Microsoft.ML.OnnxRuntime.OrtValue[]? heads, int batch, bool perRow)
        {
            _heads = heads;
            var manifest = steps.Manifest;
            var (t, p) = (manifest.Talker, manifest.CodePredictor!);
            (_steps, _talker, _predictor, _batch, _perRow) = (steps, talker, predictor, batch, perRow);
            _talkerCache = SlotStepRunner.Caches.Zeros(t.Layers, batch, t.KvHeads, 256, t.HeadDim);
            _predictorCache = SlotStepRunner.Caches.Zeros(p.Layers, batch, p.KvHeads, SlotDecoderGraph.PredictorSlots, p.HeadDim);
            var random = new Xoshiro256(7);
            _rows = [.. Enumerable.Range(0, batch * t.Hidden).Select(_ => (float)random.NextGaussian())];
            _context = [.. Enumerable.Range(0, batch * 2 * t.Hidden).Select(_ => (float)random.NextGaussian())];
            _positions = [.. Enumerable.Range(0, batch).Select(r => 200L + r)];
            (_logits, _hidden, _predictorLogits) = (new float[batch * t.CodecVocab], new float[batch * t.Hidden], new float[batch * manifest.Codec.CodebookSize]);
        }

        public void Frame()
        {
            var manifest = _steps.Manifest;
            var (hidden, vocab, codebooks) = (manifest.Talker.Hidden, manifest.Codec.CodebookSize, manifest.Codec.Codebooks);
            SlotStepRunner.Run(_talker, _talkerCache, 0, _batch, _rows, 1, hidden, _perRow ? _positions : [_positions[0]], _perRow, null,
                _logits, manifest.Talker.CodecVocab, _hidden, hidden);
            for (var s = 0; s < codebooks - 1; s++)
            {
                var rowsEach = s == 0 ? 2 : 1;
                if (_predictor is null)
                {
                    _steps.RunPredictor(_predictorCache, _batch, _context, rowsEach, s == 0 ? 0 : s + 1, s, _predictorLogits);
                }
                else
                {
                    SlotStepRunner.Run(_predictor, _predictorCache, 0, _batch, _context, rowsEach, hidden, [s == 0 ? 0 : s + 1], perRow: false,
                        _heads![s], _predictorLogits, vocab);
                }
            }
        }
    }
}
