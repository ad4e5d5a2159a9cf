using System.Diagnostics;
using System.Globalization;
using QwenTts.Engine.Benchmarking;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// <c>engine --size full|0.6b</c>: one card at the released model's widths (random weights: compute and memory do not
/// depend on the values), measured as an operator sizing a card would: load time (graphs, the engine's forms built from
/// the checkpoint and checked), the weights per graph, resident memory once the export graphs the card does not run are
/// released, warm-up, then frames/s, RTF and time to first audio at each level on the card's own path; then the export's
/// graphs alone on the same utterances (reopened, so memory grows after the resident figure is taken) and whether the
/// two give the same codes for the same seed.
/// </summary>
public static class RealScaleBenchmark
{
    public static async Task<int> RunAsync(string[] args, string size)
    {
        var utterances = int.Parse(Option(args, "--utterances", "2"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Option(args, "--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        var levels = Option(args, "--levels", "1").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var compareFrames = int.Parse(Option(args, "--compare-frames", "24"), CultureInfo.InvariantCulture);
        var provider = Enum.Parse<ExecutionProviderKind>(Option(args, "--providers", "cpu"), ignoreCase: true);
        var skipExport = args.Contains("--no-export");
        var directory = OptionalOption(args, "--model") ?? MiniatureLocator.Ensure(size);
        Console.WriteLine($"Real-scale engine benchmark: {size} widths in {directory} (random weights: noise, not speech), {provider}, " +
                          $"{threads} intra-op thread(s), {Environment.ProcessorCount} cores, {utterances} utterance(s) per level.");

        var watch = Stopwatch.StartNew();
        using var card = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions { Kind = provider, IntraOpThreads = threads });
        var loaded = watch.Elapsed;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"load: {loaded.TotalSeconds:F1} s (every graph opened and checked against the contract, the engine's forms built from the checkpoint and compared with the export)"));
        Console.WriteLine($"code predictor: {card.Acceleration.PredictorStatus}");
        Console.WriteLine($"embedding lookups: {card.Acceleration.Tables.Status}");
        Console.WriteLine($"talker step: {card.Acceleration.TalkerStatus}");
        foreach (var line in CardFootprint.Lines(card, card.ReleaseExportGraphsNotRun(), ProcessMemory.Settled()))
        {
            Console.WriteLine(line);
        }

        Console.WriteLine(CardFootprint.WarmUp(card));
        var rows = new List<(string Configuration, LevelResult Result)>();
        foreach (var level in levels)
        {
            rows.Add(("card (engine forms)", await RunLevelAsync(card, level, utterances)));
        }

        Console.WriteLine($"memory after the card's runs: {ProcessMemory.Gigabytes(ProcessMemory.Settled().ResidentBytes)} resident");
        if (!skipExport)
        {
            using var export = card.With(staticShapes: false, cachedPredictor: false, hostLookups: false, engineTalker: false);
            rows.Add(("export graphs", await RunLevelAsync(export, 1, utterances)));
            var request = Request(7) with { Sampling = new SamplingOptions { MinNewTokens = compareFrames, MaxNewTokens = compareFrames } };
            var differs = ModelSelfTest.FirstDifference(card.GenerateCodes(request), export.GenerateCodes(request));
            Console.WriteLine($"codes, card vs export graphs, same seed, {compareFrames} frames: {(differs < 0 ? "identical" : $"differ at frame {differs}")}");
        }

        Console.WriteLine();
        Console.WriteLine("| configuration | concurrent | errors | frames | frames/s | RTF p50 | TTFA p50 | time in ORT Run |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (configuration, row) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {configuration} | {row.Concurrency} | {row.Errors} | {row.Frames} | {row.FramesPerSecond:F2} | {row.RealTimeFactorPercentile(0.5):F2} | {row.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms | {row.OrtShare:P1} |"));
        }

        if (rows.FirstOrDefault(r => r.Result.Concurrency == 1).Result is { } single)
        {
            // The line a platform team reads first (README: beside the published GPU figures).
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{size}-size {provider.ToString().ToLowerInvariant()} c=1: TTFA {single.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms, RTF {single.RealTimeFactorPercentile(0.5):F2}, {single.FramesPerSecond:F1} frames/s"));
        }

        Console.WriteLine($"peak resident memory of the run: {ProcessMemory.Gigabytes(ProcessMemory.Now().PeakBytes ?? 0)} (load and the export comparison included)");
        Console.WriteLine("RTF: wall time / audio time per utterance (below 1 is faster than real time); 12.5 frames/s is real time for one stream.");
        return rows.Any(r => r.Result.Errors > 0) ? 1 : 0;
    }

    private static Task<LevelResult> RunLevelAsync(SpeechSynthesizer synthesizer, int concurrency, int utterances) =>
        LoadRunner.RunAsync(concurrency, utterances, (index, cancellationToken) => synthesizer.SynthesizeAsync(Request((ulong)index), cancellationToken));

    private static SynthesisRequest Request(ulong seed) => new()
    {
        Text = "The quick brown fox jumps over the lazy dog, and then it runs back into the quiet forest.",
        Language = "english",
        Voice = new VoicePrompt.Designed("A warm, steady narrator"),
        Seed = seed,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 4, MaxNewTokens = 160 },
    };
}
