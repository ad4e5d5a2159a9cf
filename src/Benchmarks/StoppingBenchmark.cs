using System.Globalization;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.Grains.Interfaces.Devices;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// Where the miniature ends its utterances on its own: for texts of several lengths and many seeds, the frames it
/// generated per content token (mean, spread, tail) and how many ran into the length cap. The router's estimates face
/// exactly this uncertainty.
/// </summary>
public static class StoppingBenchmark
{
    public static readonly string[] Texts =
    [
        "Good morning.",
        "Thank you for calling.",
        "Your order has shipped and should arrive on Thursday.",
        "Please hold while we connect you to the next available agent.",
        "The quarterly report shows steady growth across every region, with the strongest gains in the north.",
        "Turn left at the next intersection, then continue straight for about two kilometres until you reach the bridge.",
    ];

    public static Task<int> RunAsync(string[] args)
    {
        var size = Option(args, "--size", "tiny");
        var seeds = int.Parse(Option(args, "--seeds", "40"), CultureInfo.InvariantCulture);
        var cap = int.Parse(Option(args, "--cap", "8"), CultureInfo.InvariantCulture);
        var model = MiniatureLocator.Ensure(size);
        using var synthesizer = SpeechSynthesizer.Load(model, new ExecutionProviderOptions { IntraOpThreads = 1 });
        Console.WriteLine($"Stopping: {size} miniature, {seeds} seeds a text, cap {cap} frames a content token.");
        Console.WriteLine("| text tokens | mean frames | frames/token mean | sd | p10 | p50 | p90 | max | at cap |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var seen = new List<(int Tokens, int Frames)>();
        foreach (var text in Texts)
        {
            var lengths = new List<int>();
            var tokens = 0;
            var capped = 0;
            for (var seed = 1; seed <= seeds; seed++)
            {
                var request = new SynthesisRequest
                {
                    Text = text,
                    Language = "english",
                    Voice = new VoicePrompt.Designed("A clear, neutral voice"),
                    Seed = (ulong)seed,
                    Sampling = new SamplingOptions { MaxFramesPerTextToken = cap },
                };
                tokens = synthesizer.BuildPrompt(request).ContentTokenCount;
                var frames = synthesizer.GenerateCodes(request).Count;
                lengths.Add(frames);
                seen.Add((tokens, frames));
                capped += frames >= request.Sampling.FrameLimit(tokens) ? 1 : 0;
            }

            var perToken = lengths.Select(l => (double)l / tokens).Order().ToArray();
            var mean = perToken.Average();
            var sd = Math.Sqrt(perToken.Select(x => (x - mean) * (x - mean)).Average());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {tokens} | {lengths.Average():F1} | {mean:F2} | {sd:F2} | {perToken[perToken.Length / 10]:F2} | {perToken[perToken.Length / 2]:F2} | {perToken[perToken.Length * 9 / 10]:F2} | {perToken[^1]:F2} | {capped} |"));
        }

        PrintEstimateErrors(seen, cap);
        return Task.FromResult(0);
    }

    /// <summary>
    /// How far a card's estimate of an utterance's frames was off, made before each utterance and learned after it, with
    /// the texts mixed in a fixed random order, as traffic mixes them: the line the cards fit (<see cref="UtteranceLengthModel"/>) against one ratio
    /// of frames per token learned the same way (what they used before).
    /// </summary>
    private static void PrintEstimateErrors(List<(int Tokens, int Frames)> seen, int cap)
    {
        var line = new UtteranceLengthModel(cap);
        var ratio = (double)cap;
        var lineErrors = new List<(int Tokens, double Error)>();
        var ratioErrors = new List<(int Tokens, double Error)>();
        // In a fixed random order, as traffic mixes texts (in a sorted one a ratio always follows the longest text with the shortest).
        var order = new Random(11);
        foreach (var (tokens, frames) in seen.OrderBy(_ => order.Next()))
        {
            lineErrors.Add((tokens, Math.Abs(line.Estimate(tokens) - frames) / frames));
            ratioErrors.Add((tokens, Math.Abs((ratio * tokens) - frames) / frames));
            line.Learn(tokens, frames);
            ratio = (0.8 * ratio) + (0.2 * frames / tokens);
        }

        // The first quarter is the learning; the rest is what routing lives with.
        var learned = seen.Count / 4;
        Console.WriteLine();
        Console.WriteLine("Estimate of an utterance's frames before it runs, learned online (after the first quarter of utterances):");
        Console.WriteLine("| text tokens | line: mean error | ratio: mean error |");
        Console.WriteLine("|---:|---:|---:|");
        foreach (var tokens in seen.Select(s => s.Tokens).Distinct().Order())
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {tokens} | {MeanError(lineErrors, tokens, learned):P0} | {MeanError(ratioErrors, tokens, learned):P0} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| all | {lineErrors.Skip(learned).Average(e => e.Error):P0} | {ratioErrors.Skip(learned).Average(e => e.Error):P0} |"));
    }

    private static double MeanError(List<(int Tokens, double Error)> errors, int tokens, int skip) =>
        errors.Skip(skip).Where(e => e.Tokens == tokens).Average(e => e.Error);
}
