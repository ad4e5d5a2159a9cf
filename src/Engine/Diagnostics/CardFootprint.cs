using System.Diagnostics;
using System.Globalization;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Diagnostics;

/// <summary>
/// What a loaded model costs a card: the weights as stored (per graph), what stays resident once the export graphs the
/// card does not run are released, and how long the card takes to be ready. model-check prints these lines; the engine
/// benchmark and models/README's sizing table use the same figures.
/// </summary>
public static class CardFootprint
{
    /// <summary>Bytes of every graph file of the model (the weights as the export stores them, each graph's own copy).</summary>
    public static long ModelFileBytes(SpeechSynthesizer synthesizer) =>
        synthesizer.Manifest.Graphs.Keys.Sum(synthesizer.Sessions.FileBytes);

    /// <summary>
    /// The model's weights each counted once: the graph files less talker_decode, whose weights are talker_prefill's again.
    /// The yardstick for a card's resident memory (a card that holds each weight once, plus activations and caches).
    /// </summary>
    public static long DistinctWeightBytes(SpeechSynthesizer synthesizer) =>
        synthesizer.Manifest.Graphs.Keys.Where(g => g != GraphNames.TalkerDecode).Sum(synthesizer.Sessions.FileBytes);

    public static IEnumerable<string> Lines(SpeechSynthesizer synthesizer, IReadOnlyList<string> released, ProcessMemory memory)
    {
        var sessions = synthesizer.Sessions;
        var graphs = synthesizer.Manifest.Graphs.Keys.OrderByDescending(sessions.FileBytes).ToArray();
        yield return "weights: " + ProcessMemory.Gigabytes(ModelFileBytes(synthesizer)) + " in the graph files (" +
                     string.Join(", ", graphs.Select(g => $"{g} {ProcessMemory.Gigabytes(sessions.FileBytes(g))}")) + ")";
        yield return released.Count == 0
            ? "export graphs released: none (the card runs every export graph it loaded)"
            : $"export graphs released: {string.Join(", ", released)} ({ProcessMemory.Gigabytes(released.Sum(sessions.FileBytes))}: the card runs the engine's checked forms instead)";
        var resident = memory.ResidentBytes;
        var distinct = DistinctWeightBytes(synthesizer);
        yield return string.Create(CultureInfo.InvariantCulture,
            $"resident-memory: {ProcessMemory.Gigabytes(resident)}, {resident / (double)Math.Max(1, distinct):F2}x the model's {ProcessMemory.Gigabytes(distinct)} of weights counted once " +
            $"(whole process: runtime, tokenizer, engine forms, host tables; peak so far {ProcessMemory.Gigabytes(memory.PeakBytes ?? resident)}, while loading and checking)");
    }

    /// <summary>
    /// Time until the card serves: at static shapes every shape run once (on an NPU each is a compile), then a first short
    /// utterance; at dynamic shapes only the utterance (the first runs allocate and tune).
    /// </summary>
    public static string WarmUp(SpeechSynthesizer synthesizer)
    {
        var ready = synthesizer.StaticShapes is null ? null : StaticShapeWarmUp.Run(synthesizer, StaticShapeWarmUp.Stage.Ready);
        var watch = Stopwatch.StartNew();
        var (_, codes, _) = synthesizer.Synthesize(FirstUtterance(synthesizer.Manifest));
        var first = watch.Elapsed;
        if (ready is null)
        {
            return string.Create(CultureInfo.InvariantCulture, $"warm-up: {first.TotalSeconds:F1} s (dynamic shapes, nothing to compile: a first utterance of {codes.Count} frames)");
        }

        var rest = StaticShapeWarmUp.Run(synthesizer, StaticShapeWarmUp.Stage.Rest);
        return string.Create(CultureInfo.InvariantCulture,
            $"warm-up: ready in {(ready.Elapsed + first).TotalSeconds:F1} s ({ready.Describe()}, then a first utterance of {codes.Count} frames in {first.TotalSeconds:F1} s); " +
            $"{rest.Describe()} after that, which a card runs while it serves");
    }

    /// <summary>The short utterance a card speaks before it takes work (8 frames).</summary>
    public static SynthesisRequest FirstUtterance(ModelManifest manifest) => new()
    {
        Text = "Warm up.",
        Language = manifest.Languages.ContainsKey("english") ? "english" : QwenIds.AutoLanguage,
        Voice = new VoicePrompt.Designed("A neutral voice."),
        Sampling = SamplingOptions.From(manifest.Generation) with { MaxNewTokens = 8 },
    };
}
