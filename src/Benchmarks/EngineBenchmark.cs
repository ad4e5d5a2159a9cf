using System.Globalization;
using QwenTts.Engine.Benchmarking;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// The engine on the small miniature: frames/s, real-time factor, time to first audio and the share of wall time
/// spent inside ONNX Runtime Run, at each concurrency level and on each execution provider asked for (CPU by
/// default; <c>--providers cpu,cuda</c> puts a GPU beside it in the same run). The miniature makes noise, not speech;
/// its widths are small, so the figures are about the engine's own overhead.
/// </summary>
public static class EngineBenchmark
{
    private static readonly string[] Texts =
    [
        "The quick brown fox jumps over the lazy dog, and then it runs back into the quiet forest.",
        "今天的天气非常好，我们一起去公园散步吧，顺便买一杯咖啡。",
        "Benchmarks should measure something real, print their numbers, and stop on their own.",
        "Une voix calme et claire lit les nouvelles du matin pour tout le monde.",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var size = Option(args, "--size", "small");
        var utterances = int.Parse(Option(args, "--utterances", "8"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Option(args, "--threads", "1"), CultureInfo.InvariantCulture);
        var device = int.Parse(Option(args, "--device", "0"), CultureInfo.InvariantCulture);
        var levels = Option(args, "--levels", "1,4").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var providers = Option(args, "--providers", "cpu").Split(',')
            .Select(p => Enum.Parse<ExecutionProviderKind>(p, ignoreCase: true)).ToArray();
        var convSearch = OptionalOption(args, "--cudnn-conv-algo-search");
        var profile = OptionalOption(args, "--profile");
        var directory = MiniatureLocator.Ensure(size);

        Console.WriteLine($"Engine benchmark: miniature-{size} (noise, not speech), providers {string.Join(", ", providers)}, " +
                          $"{threads} intra-op thread(s) on the CPU, {Environment.ProcessorCount} cores, {utterances} utterances per level.");
        Console.WriteLine($"ONNX Runtime providers in the loaded library: {string.Join(", ", SessionOptionsFactory.AvailableProviders())}.");

        var shapeModes = Option(args, "--shapes", "dynamic,static").Split(',');
        var rows = new List<(ExecutionProviderKind Provider, string Shapes, LevelResult Result)>();
        foreach (var provider in providers)
        {
            var options = new ExecutionProviderOptions
            {
                Kind = provider, DeviceId = device, IntraOpThreads = threads, CudnnConvAlgoSearch = convSearch,
                ProfileDirectory = profile is null ? null : Path.Combine(profile, provider.ToString().ToLowerInvariant()),
            };
            using var loaded = SpeechSynthesizer.Load(directory, options);
            var modes = shapeModes.Select(mode => (Mode: mode, Synthesizer: loaded.WithStaticShapes(mode == "static"))).ToList();
            foreach (var (_, synthesizer) in modes)
            {
                if (synthesizer.StaticShapes is not null)
                {
                    var warmUp = QwenTts.Engine.Diagnostics.StaticShapeWarmUp.Run(synthesizer);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{provider}: static shapes compiled at start: {warmUp.Shapes} shapes in {warmUp.Elapsed.TotalSeconds:F2} s."));
                }

                await RunLevelAsync(synthesizer, concurrency: 2, utterances: 2); // warm-up: JIT, ORT arenas, kernel selection
            }

            // Modes side by side at each level, alternating, so drift on the machine hits both alike.
            foreach (var concurrency in levels)
            {
                foreach (var (mode, synthesizer) in modes)
                {
                    rows.Add((provider, mode, await RunLevelAsync(synthesizer, concurrency, utterances)));
                }
            }

            modes.ForEach(m => m.Synthesizer.Dispose());
        }

        Console.WriteLine();
        Console.WriteLine("| provider | shapes | concurrent | utterances | errors | frames | frames/s (all) | RTF p50 | TTFA p50 | TTFA p95 | time in ORT Run |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (provider, shapes, row) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {provider} | {shapes} | {row.Concurrency} | {row.Utterances} | {row.Errors} | {row.Frames} | {row.FramesPerSecond:F1} | {row.RealTimeFactorPercentile(0.5):F3} | {row.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms | {row.FirstAudioPercentile(0.95).TotalMilliseconds:F0} ms | {row.OrtShare:P1} |"));
        }

        foreach (var group in rows.GroupBy(r => (r.Provider, r.Result.Concurrency)))
        {
            var dynamicRow = group.FirstOrDefault(r => r.Shapes == "dynamic");
            var staticRow = group.FirstOrDefault(r => r.Shapes == "static");
            if (dynamicRow.Result is not null && staticRow.Result is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{group.Key.Provider} c={group.Key.Concurrency}: static shapes give {staticRow.Result.FramesPerSecond / dynamicRow.Result.FramesPerSecond:P1} of dynamic frames/s."));
            }
        }

        Console.WriteLine();
        Console.WriteLine("RTF: wall time / audio time per utterance (below 1 is faster than real time). TTFA: time to the first audio chunk.");
        Console.WriteLine("Time in ORT Run: summed time inside InferenceSession.Run over summed utterance wall time.");
        return rows.Any(r => r.Result.Errors > 0) ? 1 : 0;
    }

    private static Task<LevelResult> RunLevelAsync(SpeechSynthesizer synthesizer, int concurrency, int utterances) =>
        LoadRunner.RunAsync(concurrency, utterances, (index, cancellationToken) => synthesizer.SynthesizeAsync(new SynthesisRequest
        {
            Text = Texts[index % Texts.Length],
            Language = "auto",
            Voice = new VoicePrompt.Designed("A warm, steady narrator"),
            Seed = (ulong)index,
            Sampling = new SamplingOptions { MaxFramesPerTextToken = 4, MaxNewTokens = 160 },
        }, cancellationToken));
}
