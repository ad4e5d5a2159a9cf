using System.Globalization;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// Streaming chunk choices against the official whole decode (chunks of 300 frames, context 25) on the same codes:
/// SNR and largest difference of the streamed audio, and the decoder's time per second of audio, for each schedule.
/// The first chunk stays 4 frames in every row, so first audio is no later in any of them.
/// </summary>
public static class SeamsBenchmark
{
    private static readonly (int Chunk, int Max, int Context)[] Schedules =
    [
        (12, 12, 25), (12, 48, 25), (12, 48, 72), (12, 96, 72), (12, 150, 150), (12, 300, 25),
    ];

    public static Task<int> RunAsync(string[] args)
    {
        var size = Option(args, "--size", "small");
        var frames = int.Parse(Option(args, "--frames", "600"), CultureInfo.InvariantCulture);
        using var synthesizer = SpeechSynthesizer.Load(MiniatureLocator.Ensure(size), new ExecutionProviderOptions { IntraOpThreads = 1 });
        var codes = synthesizer.GenerateCodes(new SynthesisRequest
        {
            Text = "Seams are measured on one long utterance, decoded as a stream and as a whole.",
            Language = "english",
            Voice = new VoicePrompt.Designed("A steady narrator"),
            Seed = 7,
            Sampling = new SamplingOptions { MinNewTokens = frames, MaxNewTokens = frames },
        });
        var audioSeconds = codes.Count / synthesizer.Manifest.Codec.FramesPerSecond;
        Console.WriteLine($"Seams: miniature-{size} (noise, not speech; its decoder has the real 8 layers x 72-frame window), {codes.Count} frames, first chunk 4 frames in every row.");
        Console.WriteLine("| later chunks | left context | SNR vs official | max abs difference | decode calls | decode ms per audio s (stream) | (official) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (chunk, max, context) in Schedules)
        {
            var options = new StreamingOptions { FirstChunkFrames = 4, ChunkFrames = chunk, MaxChunkFrames = max, LeftContextFrames = context };
            var result = StreamingFidelity.Measure(synthesizer, codes, options);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {chunk}{(max > chunk ? $" doubling to {max}" : "")} | {context} | {result.SnrText} dB | {result.MaxAbsDifference:F4} | {result.StreamedCalls} | {result.StreamedDecodeTime.TotalMilliseconds / audioSeconds:F1} | {result.ReferenceDecodeTime.TotalMilliseconds / audioSeconds:F1} |"));
        }

        return Task.FromResult(0);
    }
}
