using System.Globalization;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Diagnostics;

/// <summary>What a self-test found; <see cref="Lines"/> is what model-check prints.</summary>
public sealed record SelfTestReport(
    int DecodeMaskExtra,
    string DecodeMask,
    string NonFinite,
    string Bucketed,
    int BucketedAgreeingFrames,
    FidelityResult? Fidelity,
    int Frames,
    IReadOnlyDictionary<string, (TimeSpan Time, int Runs)> GraphTimes,
    StaticShapeWarmUp.Result? WarmUp,
    string? Accelerated = null)
{
    public bool NonFiniteFree => NonFinite == "none";

    /// <summary>Frames static shapes must agree on before a difference counts as a flip of a near-tie draw, not a bug.</summary>
    public const int BucketedAgreementNeeded = 8;

    /// <summary>
    /// The card can serve: finite outputs, a working decode mask, and where static shapes are on, codes that agree with
    /// the dynamic ones for at least the first frames. A wrong mask or position diverges at once; fp16 rounding of a
    /// different kernel path can flip a near-tie draw much later (seen at frame 82 on the fp16 miniature), which is
    /// reported but does not stop the card.
    /// </summary>
    public bool Serves(bool staticShapesOn) =>
        NonFiniteFree && DecodeMaskExtra > 0 && (!staticShapesOn || Bucketed == "identical" || BucketedAgreeingFrames >= BucketedAgreementNeeded);

    public IEnumerable<string> Lines()
    {
        if (Fidelity is { } fidelity)
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"streamed-vs-reference snr-db: {fidelity.SnrText} (max abs difference {fidelity.MaxAbsDifference:F5} over {Frames} frames)");
        }

        yield return $"bucketed-vs-dynamic codes: {Bucketed}";
        if (Accelerated is not null)
        {
            yield return $"accelerated-vs-export codes: {Accelerated}";
        }

        yield return $"decode-mask: {DecodeMask}";
        yield return $"non-finite: {NonFinite}";
        foreach (var (graph, (time, runs)) in GraphTimes.OrderByDescending(g => g.Value.Time))
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"time {graph}: {time.TotalMilliseconds:F1} ms in {runs} runs ({time.TotalMilliseconds / Math.Max(1, runs):F3} ms a run)");
        }

        if (WarmUp is { } warmUp)
        {
            yield return $"static shapes: {warmUp.Describe()} run once";
        }
    }
}

/// <summary>
/// Proves a model on the card it is loaded on, with one short utterance: which decode mask length the talker needs
/// (past+1 and past+2 compared), that no graph yields NaN or inf, that static shapes give the same codes as dynamic
/// ones with the same seed, how far the streamed decode is from the official one, and the time per graph. It sets
/// the synthesizer's decode mask to the length that works. model-check runs it deep; a silo runs it quick per card.
/// </summary>
public static class ModelSelfTest
{
    public static SelfTestReport Run(SpeechSynthesizer synthesizer, bool deep)
    {
        var frames = deep ? 160 : 12;
        var request = new SynthesisRequest
        {
            Text = "A self-test sentence, spoken once to prove this card.",
            Language = synthesizer.Manifest.Languages.ContainsKey("english") ? "english" : QwenIds.AutoLanguage,
            Voice = new VoicePrompt.Designed("A calm, clear voice."),
            Seed = 20260601,
            // Every frame is made whatever the model decides: a model that ends early would leave chunk seams unchecked.
            Sampling = SamplingOptions.From(synthesizer.Manifest.Generation) with { MinNewTokens = frames, MaxNewTokens = frames },
        };

        var (maskExtra, maskLine, nonFinite, codes, times) = CheckDecodeMask(synthesizer, request);
        if (maskExtra > 0)
        {
            synthesizer.DecodeMaskExtra = maskExtra;
        }

        if (codes is null)
        {
            return new SelfTestReport(maskExtra, maskLine, nonFinite, "not compared (the dynamic run failed)", 0, null, 0, times, null);
        }

        // Only a card that runs static shapes compares them (model-check --static-shapes on asks for them anywhere): at
        // real size the slot talker is another copy of the talker's weights and every shape a compile.
        StaticShapeWarmUp.Result? warmUp = null;
        var bucketed = "not compared (static shapes are off on this card)";
        var agreeing = 0;
        if (synthesizer.StaticShapes is not null)
        {
            using var staticShapes = synthesizer.With(staticShapes: true);
            try
            {
                // A card at load compiles its ready set here and the rest in the background; model-check compiles all.
                warmUp = StaticShapeWarmUp.Run(staticShapes, deep ? StaticShapeWarmUp.Stage.All : StaticShapeWarmUp.Stage.Ready);
                var padded = staticShapes.GenerateCodes(request);
                var differs = FirstDifference(codes, padded);
                agreeing = differs < 0 ? codes.Count : differs;
                bucketed = differs < 0 ? "identical" : $"differ at frame {differs}";
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                bucketed = "failed: " + ex.Message.Split('\n')[0];
            }
        }

        var fidelity = deep && codes.Count > 0 ? StreamingFidelity.Measure(synthesizer, codes, synthesizer.Streaming) : null;
        return new SelfTestReport(maskExtra, maskLine, nonFinite, bucketed, agreeing, fidelity, codes.Count, times,
            synthesizer.StaticShapes is null ? null : warmUp, deep ? CompareAccelerated(synthesizer, request, codes) : null);
    }

    /// <summary>
    /// The codes of the card's dynamic path (cached predictor, host lookups, and on the CPU the engine talker) against the
    /// export's graphs alone, same seed.
    /// </summary>
    private static string CompareAccelerated(SpeechSynthesizer synthesizer, SynthesisRequest request, IReadOnlyList<int[]> withExportTalker)
    {
        var acceleration = synthesizer.Acceleration;
        var engineTalker = synthesizer.UseEngineTalker && acceleration.EngineTalker(synthesizer.Sessions) is not null;
        if (acceleration.Predictor is null && acceleration.Tables.Tables is null && !engineTalker)
        {
            return "not compared (nothing accelerated: export graphs only)";
        }

        using var card = synthesizer.With(staticShapes: false);
        using var export = synthesizer.With(staticShapes: false, cachedPredictor: false, hostLookups: false, engineTalker: false);
        var accelerated = engineTalker ? card.GenerateCodes(request) : withExportTalker;
        var differs = FirstDifference(accelerated, export.GenerateCodes(request));
        return differs < 0 ? "identical" : $"differ at frame {differs}";
    }

    /// <summary>Generates with past+1 and past+2 masks; the first that runs gives the codes the rest compares against.</summary>
    private static (int Extra, string Line, string NonFinite, IReadOnlyList<int[]>? Codes, IReadOnlyDictionary<string, (TimeSpan, int)> Times)
        CheckDecodeMask(SpeechSynthesizer synthesizer, SynthesisRequest request)
    {
        var results = new Dictionary<int, (IReadOnlyList<int[]>? Codes, string? Error, IReadOnlyDictionary<string, (TimeSpan, int)> Times)>();
        string nonFinite = "none";
        using var dynamic = synthesizer.With(staticShapes: false, engineTalker: false); // the mask is the export's talker_decode's
        foreach (var extra in new[] { 1, 2 })
        {
            dynamic.DecodeMaskExtra = extra;
            try
            {
                var (codes, times) = dynamic.GenerateCodesTimed(request);
                results[extra] = (codes, null, times);
            }
            catch (NonFiniteOutputException ex)
            {
                nonFinite = $"{ex.Graph} at step {ex.Step}";
                results[extra] = (null, ex.Message, new Dictionary<string, (TimeSpan, int)>());
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                results[extra] = (null, ex.Message, new Dictionary<string, (TimeSpan, int)>());
            }
        }

        var (one, two) = (results[1], results[2]);
        if (one.Codes is not null && two.Codes is not null)
        {
            var differs = FirstDifference(one.Codes, two.Codes);
            return differs < 0
                ? (1, "past+1 and past+2 agree", nonFinite, one.Codes, one.Times)
                : (2, $"need past+2 (past+1 differs at frame {differs}; the export was traced with past+2)", nonFinite, two.Codes, two.Times);
        }

        if (one.Codes is not null)
        {
            return (1, "need past+1 (past+2 fails: " + Short(two.Error) + ")", nonFinite, one.Codes, one.Times);
        }

        return two.Codes is not null
            ? (2, "need past+2 (past+1 fails: " + Short(one.Error) + ")", nonFinite, two.Codes, two.Times)
            : (0, "neither past+1 nor past+2 runs: " + Short(one.Error), nonFinite, null, one.Times);
    }

    /// <summary>Index of the first frame that differs (or where one list ends early), -1 when identical.</summary>
    public static int FirstDifference(IReadOnlyList<int[]> a, IReadOnlyList<int[]> b)
    {
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            if (!a[i].AsSpan().SequenceEqual(b[i]))
            {
                return i;
            }
        }

        return a.Count == b.Count ? -1 : Math.Min(a.Count, b.Count);
    }

    private static string Short(string? message) => message is null ? "" : message.Split('\n')[0].Trim();
}
