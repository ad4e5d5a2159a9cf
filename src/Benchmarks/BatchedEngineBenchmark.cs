using System.Globalization;
using QwenTts.Engine.Batching;
using QwenTts.Engine.Benchmarking;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// <c>engine --batched</c>: one card, its utterances in decode lanes against the same card running each utterance on its
/// own (today's path), side by side at each concurrency level on the same loaded sessions. Every level runs twice as
/// many utterances as it keeps in flight, of different lengths, so utterances join and leave the lanes mid-run. Then the
/// proof that batching changes nobody's audio: utterances started together, staggered, each against the same seed alone.
/// </summary>
public static class BatchedEngineBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var size = Option(args, "--size", "proportional");
        var levels = Option(args, "--levels", "1,4,8,16").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var lanes = int.Parse(Option(args, "--lanes", "1"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Option(args, "--threads", "1"), CultureInfo.InvariantCulture);
        var frames = int.Parse(Option(args, "--frames", "160"), CultureInfo.InvariantCulture);
        var perStream = int.Parse(Option(args, "--utterances-per-stream", "2"), CultureInfo.InvariantCulture);
        var rounds = Math.Max(1, int.Parse(Option(args, "--rounds", "6"), CultureInfo.InvariantCulture));
        var directory = OptionalOption(args, "--model") ?? MiniatureLocator.Ensure(size);
        var rows = int.Parse(Option(args, "--rows", Math.Max(2, (levels.Max() + lanes - 1) / lanes).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        var provider = Enum.Parse<ExecutionProviderKind>(Option(args, "--provider", "cpu"), ignoreCase: true);
        var device = int.Parse(Option(args, "--device", "0"), CultureInfo.InvariantCulture);
        var standard = args.Contains("--standard"); // the CPU without its fused graphs: the standard-operator lanes GPUs and NPUs run

        using var card = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions
        {
            Kind = provider,
            DeviceId = device,
            IntraOpThreads = threads,
            FusedCpuGraphs = !standard,
        });
        card.ReleaseExportGraphsNotRun();
        var status = card.EnableBatching(new BatchingOptions(rows, lanes));
        using var unbatched = card.With(batched: false);
        Console.WriteLine($"Batched engine benchmark: {size} ({directory}), {provider}{(standard ? " (fused graphs off)" : "")}, {threads} intra-op thread(s), {Environment.ProcessorCount} cores; " +
                          $"up to {frames} frames an utterance, {perStream} utterances per stream in flight at each level, " +
                          $"{rounds} rounds a level alternating today's card and the batched one (a shared machine drifts: a round's two halves run back to back, " +
                          "and the ratio is the median over rounds of batched / today within a round; pooled figures beside it).");
        Console.WriteLine("card: " + status);
        if (card.Batching is null)
        {
            return 1;
        }

        SynthesisRequest Request(int index) => new()
        {
            Text = EngineBenchmark.Texts[index % EngineBenchmark.Texts.Length], // the same texts as the unbatched engine benchmark
            Language = "auto",
            Voice = new VoicePrompt.Designed(index % 2 == 0 ? "A warm, steady narrator" : "A bright, quick voice"),
            Seed = 7000UL + (ulong)index,
            Sampling = new SamplingOptions { MaxFramesPerTextToken = 4, MaxNewTokens = frames },
        };

        Task<LevelResult> Level(SpeechSynthesizer synthesizer, int concurrency) =>
            LoadRunner.RunAsync(concurrency, concurrency * perStream, (i, ct) => synthesizer.SynthesizeAsync(Request(i), ct));

        await Level(card, 2); // warm-up: JIT, arenas, kernels
        await Level(unbatched, 2);
        Console.WriteLine();
        Console.WriteLine("| utterances in flight | today: frames/s | batched: frames/s | batched / today (median of rounds; range) | pooled | today TTFA p50 | batched TTFA p50 | today RTF p50 | batched RTF p50 | mean rows a batched run | errors |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var results = new List<(int Level, LevelResult Today, LevelResult Batched, double Ratio)>();
        foreach (var level in levels)
        {
            var before = card.Batching.Counts();
            List<LevelResult> todays = [], batcheds = [];
            for (var round = 0; round < rounds; round++)
            {
                // Alternate which goes first, so neither always runs on the warmer or the quieter machine.
                var todayFirst = round % 2 == 0;
                (todayFirst ? todays : batcheds).Add(await Level(todayFirst ? unbatched : card, level));
                (todayFirst ? batcheds : todays).Add(await Level(todayFirst ? card : unbatched, level));
            }

            var (today, batched) = (LevelResult.Combine(todays), LevelResult.Combine(batcheds));
            var meanBatch = card.Batching.MeanBatchSince(before);
            var ratios = todays.Zip(batcheds, (t, b) => b.FramesPerSecond / t.FramesPerSecond).Order().ToArray();
            var ratio = Median(ratios);
            results.Add((level, today, batched, ratio));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {level} | {today.FramesPerSecond:F1} | {batched.FramesPerSecond:F1} | {ratio:F2}x ({ratios[0]:F2}-{ratios[^1]:F2}) | {batched.FramesPerSecond / today.FramesPerSecond:F2}x | " +
                $"{today.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms | {batched.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms | " +
                $"{today.RealTimeFactorPercentile(0.5):F3} | {batched.RealTimeFactorPercentile(0.5):F3} | {meanBatch:F2} | {today.Errors + batched.Errors} |"));
        }

        var one = results.FirstOrDefault(r => r.Level == 1);
        if (one.Today is not null)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batched c=1 vs today c=1: {one.Ratio:F2}x frames/s (median of rounds)."));
        }

        foreach (var (level, today, batched, ratio) in results.Where(r => r.Level > 1))
        {
            var againstOne = one.Batched is null ? "" : FormattableString.Invariant($", {batched.FramesPerSecond / one.Batched.FramesPerSecond:F2}x batched c=1 (pooled)");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batched c={level}: {ratio:F2}x today's c={level}{againstOne}; TTFA p50 {batched.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms vs {today.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms."));
        }

        Console.WriteLine("Time in each graph per frame (a batched run's time counts once for each utterance in it):");
        foreach (var (level, today, batched, _) in results)
        {
            static string Graphs(LevelResult r) => string.Join(", ", r.MillisecondsPerFrame.OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => FormattableString.Invariant($"{g.Key} {g.Value:F3} ms")));
            Console.WriteLine($"  c={level}: today {Graphs(today)}; batched {Graphs(batched)}");
        }

        Console.WriteLine(BatchedCodesCheck.Run(card, levels.Max(), Request));
        var first = ModelSelfTest.FirstDifference(unbatched.GenerateCodes(Request(0)), card.GenerateCodes(Request(0)));
        Console.WriteLine(first < 0
            ? "codes: batched alone vs today's unbatched path, same seed: identical."
            : $"codes: batched alone vs today's unbatched path, same seed: differ from frame {first} (the batched predictor's sums are not bit-equal to the unbatched one's; a card keeps to one path).");
        return results.Any(r => r.Today.Errors + r.Batched.Errors > 0) ? 1 : 0;
    }

    private static double Median(double[] sorted) =>
        sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}
