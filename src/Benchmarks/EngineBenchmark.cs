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
/// The engine on a miniature, each configuration side by side on the same loaded sessions: the export's graphs alone
/// (dynamic and static shapes), host lookups, the cached code predictor, both, both with the CPU's engine talker, and
/// both at static shapes. Per configuration and concurrency level:
/// runs per frame, time per frame in each graph, frames/s, real-time factor, time to first audio and the share of
/// wall time inside ONNX Runtime; then the ratios against the export's graphs and whether the codes are identical.
/// The miniature makes noise, not speech; `proportional` has the real layer counts at 1/16 of the widths.
/// </summary>
public static class EngineBenchmark
{
    internal static readonly string[] Texts =
    [
        "The quick brown fox jumps over the lazy dog, and then it runs back into the quiet forest.",
        "今天的天气非常好，我们一起去公园散步吧，顺便买一杯咖啡。",
        "Benchmarks should measure something real, print their numbers, and stop on their own.",
        "Une voix calme et claire lit les nouvelles du matin pour tout le monde.",
    ];

    private sealed record Configuration(string Name, bool Static, bool Cached, bool Host, bool EngineTalker = false);

    private static readonly Configuration[] All =
    [
        new("export", false, false, false),
        new("export static", true, false, false),
        new("host-lookups", false, false, true),
        new("cached-predictor", false, true, false),
        new("cached+host", false, true, true),
        new("cached+host+talker", false, true, true, EngineTalker: true), // the CPU's engine talker; elsewhere it equals cached+host
        new("cached+host static", true, true, true),
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--batched"))
        {
            return await BatchedEngineBenchmark.RunAsync(args);
        }

        var size = Option(args, "--size", "proportional");
        if (Miniature.MiniatureSpec.Named(size).RealScale)
        {
            return await RealScaleBenchmark.RunAsync(args, size);
        }

        var utterances = int.Parse(Option(args, "--utterances", "8"), CultureInfo.InvariantCulture);
        var threads = int.Parse(Option(args, "--threads", "1"), CultureInfo.InvariantCulture);
        var device = int.Parse(Option(args, "--device", "0"), CultureInfo.InvariantCulture);
        var levels = Option(args, "--levels", "1,4").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        var providers = Option(args, "--providers", "cpu").Split(',')
            .Select(p => Enum.Parse<ExecutionProviderKind>(p, ignoreCase: true)).ToArray();
        var wanted = Option(args, "--configurations", string.Join(",", All.Select(c => c.Name.Replace(' ', '-'))))
            .Split(',').ToHashSet();
        var configurations = All.Where(c => wanted.Contains(c.Name.Replace(' ', '-'))).ToArray();
        var convSearch = OptionalOption(args, "--cudnn-conv-algo-search");
        var profile = OptionalOption(args, "--profile");
        var directory = MiniatureLocator.Ensure(size);

        Console.WriteLine($"Engine benchmark: miniature-{size} (noise, not speech), providers {string.Join(", ", providers)}, " +
                          $"{threads} intra-op thread(s) on the CPU, {Environment.ProcessorCount} cores, {utterances} utterances per level.");
        Console.WriteLine($"ONNX Runtime providers in the loaded library: {string.Join(", ", SessionOptionsFactory.AvailableProviders())}.");

        var rows = new List<(ExecutionProviderKind Provider, string Configuration, LevelResult Result)>();
        foreach (var provider in providers)
        {
            var options = new ExecutionProviderOptions
            {
                Kind = provider, DeviceId = device, IntraOpThreads = threads, CudnnConvAlgoSearch = convSearch,
                ProfileDirectory = profile is null ? null : Path.Combine(profile, provider.ToString().ToLowerInvariant()),
            };
            using var loaded = SpeechSynthesizer.Load(directory, options);
            Console.WriteLine($"{provider}: code predictor: {loaded.Acceleration.PredictorStatus}");
            Console.WriteLine($"{provider}: embedding lookups: {loaded.Acceleration.Tables.Status}");
            var variants = configurations.Where(c => !c.EngineTalker || provider == ExecutionProviderKind.Cpu)
                .Select(c => (c.Name, Synthesizer: loaded.With(c.Static, c.Cached, c.Host, c.EngineTalker))).ToList();
            PrintCodeComparison(provider, variants);
            if (variants.Any(v => v.Synthesizer.StaticShapes is not null || v.Synthesizer.UseEngineTalker))
            {
                Console.WriteLine($"{provider}: talker step: {loaded.Acceleration.TalkerStatus}");
            }
            foreach (var (_, synthesizer) in variants)
            {
                if (synthesizer.StaticShapes is not null && provider != ExecutionProviderKind.Cpu) // the CPU compiles nothing per shape
                {
                    var warmUp = StaticShapeWarmUp.Run(synthesizer);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{provider}: static shapes compiled at start: {warmUp.Shapes} shapes in {warmUp.Elapsed.TotalSeconds:F2} s."));
                }

                await RunLevelAsync(synthesizer, concurrency: 2, utterances: 2); // warm-up: JIT, ORT arenas, kernel selection
            }

            // Configurations side by side at each level, in turn, so drift on the machine hits them alike.
            foreach (var concurrency in levels)
            {
                foreach (var (name, synthesizer) in variants)
                {
                    rows.Add((provider, name, await RunLevelAsync(synthesizer, concurrency, utterances)));
                }
            }

            variants.ForEach(v => v.Synthesizer.Dispose());
        }

        PrintTable(rows);
        return rows.Any(r => r.Result.Errors > 0) ? 1 : 0;
    }

    /// <summary>Same seed, each configuration against the export's graphs: the codes must not change.</summary>
    private static void PrintCodeComparison(ExecutionProviderKind provider, List<(string Name, SpeechSynthesizer Synthesizer)> variants)
    {
        var reference = variants.FirstOrDefault(v => v.Name == "export").Synthesizer;
        if (reference is null)
        {
            return;
        }

        var request = Request(1) with { Sampling = new SamplingOptions { MinNewTokens = 120, MaxNewTokens = 120 } };
        var expected = reference.GenerateCodes(request);
        foreach (var (name, synthesizer) in variants.Where(v => v.Name != "export"))
        {
            var differs = ModelSelfTest.FirstDifference(expected, synthesizer.GenerateCodes(request));
            Console.WriteLine($"{provider}: {name} vs export, same seed, {expected.Count} frames: codes {(differs < 0 ? "identical" : $"differ at frame {differs}")}.");
        }
    }

    private static void PrintTable(List<(ExecutionProviderKind Provider, string Configuration, LevelResult Result)> rows)
    {
        var graphs = rows.SelectMany(r => r.Result.MillisecondsPerFrame.Keys).Distinct().Order(StringComparer.Ordinal).ToArray();
        Console.WriteLine();
        Console.WriteLine($"| provider | configuration | concurrent | errors | frames | runs/frame | frames/s | RTF p50 | TTFA p50 | time in ORT Run | {string.Join(" | ", graphs.Select(g => g + " ms/frame"))} |");
        Console.WriteLine($"|---|---|---:|---:|---:|---:|---:|---:|---:|---:|{string.Concat(graphs.Select(_ => "---:|"))}");
        foreach (var (provider, configuration, row) in rows)
        {
            var perGraph = graphs.Select(g => row.MillisecondsPerFrame.TryGetValue(g, out var ms) ? ms.ToString("F3", CultureInfo.InvariantCulture) : "-");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {provider} | {configuration} | {row.Concurrency} | {row.Errors} | {row.Frames} | {row.RunsPerFrame:F1} | {row.FramesPerSecond:F1} | {row.RealTimeFactorPercentile(0.5):F3} | {row.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms | {row.OrtShare:P1} | {string.Join(" | ", perGraph)} |"));
        }

        Console.WriteLine();
        foreach (var group in rows.GroupBy(r => (r.Provider, r.Result.Concurrency)))
        {
            var export = group.FirstOrDefault(r => r.Configuration == "export").Result;
            foreach (var (_, configuration, result) in group.Where(r => r.Configuration != "export" && export is not null))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{group.Key.Provider} c={group.Key.Concurrency}: {configuration} gives {result.FramesPerSecond / export!.FramesPerSecond:F2}x the export's frames/s."));
            }
        }

        Console.WriteLine("RTF: wall time / audio time per utterance (below 1 is faster than real time). TTFA: time to the first audio chunk.");
        Console.WriteLine("Time in ORT Run: summed time inside InferenceSession.Run over summed utterance wall time.");
    }

    private static Task<LevelResult> RunLevelAsync(SpeechSynthesizer synthesizer, int concurrency, int utterances) =>
        LoadRunner.RunAsync(concurrency, utterances, (index, cancellationToken) => synthesizer.SynthesizeAsync(Request((ulong)index), cancellationToken));

    private static SynthesisRequest Request(ulong seed) => new()
    {
        Text = Texts[(int)(seed % (ulong)Texts.Length)],
        Language = "auto",
        Voice = new VoicePrompt.Designed("A warm, steady narrator"),
        Seed = seed,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 4, MaxNewTokens = 160 },
    };
}
