using System.Globalization;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
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
                capped += frames >= request.Sampling.FrameLimit(tokens) ? 1 : 0;
            }

            var perToken = lengths.Select(l => (double)l / tokens).Order().ToArray();
            var mean = perToken.Average();
            var sd = Math.Sqrt(perToken.Select(x => (x - mean) * (x - mean)).Average());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {tokens} | {lengths.Average():F1} | {mean:F2} | {sd:F2} | {perToken[perToken.Length / 10]:F2} | {perToken[perToken.Length / 2]:F2} | {perToken[perToken.Length * 9 / 10]:F2} | {perToken[^1]:F2} | {capped} |"));
        }

        return Task.FromResult(0);
    }
}
