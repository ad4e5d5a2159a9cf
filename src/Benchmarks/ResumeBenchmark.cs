using System.Diagnostics;
using System.Globalization;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// A failover after K frames went out: how soon the listener hears new audio when the new card regenerates the segment
/// from its start (skipping what was sent) against when it resumes (replaying the K frames through its talker), and
/// what one replayed frame costs against one generated frame. Same synthesizer, same utterance, side by side.
/// </summary>
public static class ResumeBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var size = Option(args, "--size", "proportional");
        var frames = int.Parse(Option(args, "--frames", "240"), CultureInfo.InvariantCulture);
        var rounds = int.Parse(Option(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        using var synthesizer = SpeechSynthesizer.Load(MiniatureLocator.Ensure(size), new ExecutionProviderOptions { IntraOpThreads = 1 });
        var request = new SynthesisRequest
        {
            Text = "A failover is measured on one long utterance, regenerated and resumed.",
            Language = "english",
            Voice = new VoicePrompt.Designed("A steady narrator"),
            Seed = 11,
            Sampling = new SamplingOptions { MinNewTokens = frames, MaxNewTokens = frames },
        };
        var codes = synthesizer.GenerateCodes(request);
        await TimeAsync(synthesizer, request, afterSamples: 0, untilEnd: true); // warm-up
        Console.WriteLine($"Resume: miniature-{size} on the CPU (one thread), {codes.Count} frames, predictor {synthesizer.Acceleration.PredictorStatus}; median of {rounds} rounds.");
        Console.WriteLine("| failover after | regenerate: first new audio | resume: first new audio | speed-up |");
        Console.WriteLine("|---:|---:|---:|---:|");
        var perGenerated = (await Median(rounds, () => TimeAsync(synthesizer, request, afterSamples: 0, untilEnd: true))).TotalSeconds / codes.Count;
        var resumed = new Dictionary<int, TimeSpan>();
        foreach (var sent in new[] { 16, 40, 88, 184 }.Where(k => k < codes.Count - 4))
        {
            var samples = sent * synthesizer.Manifest.Codec.SamplesPerFrame;
            var regenerate = await Median(rounds, () => TimeAsync(synthesizer, request, afterSamples: samples));
            var resume = resumed[sent] = await Median(rounds, () => TimeAsync(synthesizer, request with { ResumeFrames = [.. codes.Take(sent)] }, afterSamples: 0));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {sent} frames | {regenerate.TotalMilliseconds:F0} ms | {resume.TotalMilliseconds:F0} ms | {regenerate / resume:F1}x |"));
        }

        // What replay does per frame is the talker's step alone; generation also runs the code predictor (and lookups).
        var (timedCodes, graphs) = synthesizer.GenerateCodesTimed(request);
        var talker = graphs.Where(g => g.Key.StartsWith("talker", StringComparison.Ordinal)).Sum(g => g.Value.Time.TotalSeconds);
        var all = graphs.Sum(g => g.Value.Time.TotalSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Inside ONNX Runtime, a generated frame takes {all / timedCodes.Count * 1000:F2} ms, its talker step {talker / timedCodes.Count * 1000:F2} ms: a replayed frame costs {talker / all:F3} of a generated one ({string.Join(", ", graphs.Select(g => $"{g.Key} {g.Value.Runs} runs {g.Value.Time.TotalMilliseconds:F0} ms"))})."));

        // Past the decoder's left context (72 frames) the resumed first chunk decodes the same way, so what two resumes
        // differ by is the replay of the frames between them.
        if (resumed.TryGetValue(88, out var shorter) && resumed.TryGetValue(184, out var longer))
        {
            var perReplayed = Math.Max(0, (longer - shorter).TotalSeconds) / (184 - 88);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"A replayed frame: {perReplayed * 1000:F2} ms (resume after 184 frames less resume after 88, over 96); a generated frame: {perGenerated * 1000:F2} ms (the whole utterance over its frames); ratio {perReplayed / perGenerated:F3}."));
        }

        return 0;
    }

    /// <summary>Time until the stream has sent audio past <paramref name="afterSamples"/> (or until it ends).</summary>
    private static async Task<TimeSpan> TimeAsync(SpeechSynthesizer synthesizer, SynthesisRequest request, long afterSamples, bool untilEnd = false)
    {
        var watch = Stopwatch.StartNew();
        long samples = 0;
        await foreach (var chunk in synthesizer.SynthesizeAsync(request))
        {
            samples += chunk.Samples.Length;
            if (!untilEnd && samples > afterSamples)
            {
                return watch.Elapsed;
            }
        }

        return watch.Elapsed;
    }

    private static async Task<TimeSpan> Median(int rounds, Func<Task<TimeSpan>> measure)
    {
        var times = new List<TimeSpan>();
        for (var i = 0; i < rounds; i++)
        {
            times.Add(await measure());
        }

        return times.Order().ElementAt(times.Count / 2);
    }
}
