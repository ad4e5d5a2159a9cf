using System.Diagnostics;
using System.Globalization;
using QwenTts.Devices;
using QwenTts.Devices.Cards;
using QwenTts.Engine.Benchmarking;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Silo.Commands;

/// <summary>
/// <c>QwenTts.Silo bench [--sentences N] [--levels 1,4,8]</c>: per card kind on this host, time per sentence, time to
/// first audio, real-time factor, memory and stability at each concurrency level, as a table. Runs the silo's own card
/// configuration without joining a cluster; emulated cards are paced to their profile.
/// </summary>
public static class BenchCommand
{
    private static readonly string[] Sentences =
    [
        "Good morning, and welcome to the evening news.",
        "The train to the airport leaves from platform four in ten minutes.",
        "今天下午三点，我们在会议室讨论下一季度的计划。",
        "Please remember to save your work before the system restarts tonight.",
        "Thank you for your patience while we connect your call.",
    ];

    public static async Task<int> RunAsync(string[] args)
    {
        var sentences = int.Parse(Option(args, "--sentences", "16"), CultureInfo.InvariantCulture);
        var levels = Option(args, "--levels", "1,4,8").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        using var host = CommandHost.Build(args.Where((a, i) => !a.StartsWith("--sentences", StringComparison.Ordinal) && !a.StartsWith("--levels", StringComparison.Ordinal)
            && (i == 0 || (args[i - 1] != "--sentences" && args[i - 1] != "--levels"))).ToArray());
        var devices = host.Services.GetRequiredService<DeviceHost>();
        await devices.LoadAsync(CancellationToken.None);

        Console.WriteLine($"QwenTts bench: {sentences} sentences per level, levels {string.Join("/", levels)}, {Environment.ProcessorCount} cores.");
        Console.WriteLine("| kind | card | emulated | model | concurrent | sentences | errors | time/sentence p50 | p95 | TTFA p50 | RTF p50 | frames/s | RSS MiB |");
        Console.WriteLine("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var card in devices.Cards.GroupBy(c => (c.Kind, c.Emulated)).Select(g => g.First()))
        {
            await MeasureAsync(card, 2, 2); // warm-up
            foreach (var level in levels)
            {
                Print(card, await MeasureAsync(card, level, sentences));
            }
        }

        Console.WriteLine();
        Console.WriteLine("time/sentence: wall time of one sentence at that concurrency. RTF: wall / audio time. RSS: this process after the level.");
        return 0;
    }

    /// <summary>Runs <paramref name="sentences"/> of the bench's sentences on one card, <paramref name="concurrency"/> at a time.</summary>
    public static Task<LevelResult> MeasureAsync(CardEngine card, int concurrency, int sentences) =>
        LoadRunner.RunAsync(concurrency, sentences, (i, ct) => card.RunAsync(Job(i), ct));

    private static SynthesisJob Job(int index) => new()
    {
        RequestId = "bench-" + index.ToString(CultureInfo.InvariantCulture),
        Tenant = "bench",
        Text = Sentences[index % Sentences.Length],
        Language = "auto",
        Voice = VoiceSpec.Designed("A clear, neutral announcer"),
        Seed = (ulong)index,
    };

    private static void Print(CardEngine card, LevelResult result)
    {
        var rss = Process.GetCurrentProcess().WorkingSet64 >> 20;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {card.Kind.ToString().ToLowerInvariant()} | {card.Spec.Index} | {(card.Emulated ? "yes" : "no")} | {card.Design.Manifest.Name} | {result.Concurrency} | {result.Utterances} | {result.Errors} | {result.WallPercentile(0.5).TotalSeconds:F2} s | {result.WallPercentile(0.95).TotalSeconds:F2} s | {result.FirstAudioPercentile(0.5).TotalMilliseconds:F0} ms | {result.RealTimeFactorPercentile(0.5):F3} | {result.FramesPerSecond:F1} | {rss} |"));
    }

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
