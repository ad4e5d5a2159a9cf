using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// What a card runs instead of the export's slowest parts, built from the HF folder's safetensors at load and used
/// only when it agrees with the export's own graphs: the cached code predictor (compared on every gen_step) and host
/// lookups of the codec and predictor embedding tables (compared on sample rows). Anything missing or disagreeing
/// falls back to the export's graphs, and the reason is kept for the log and model-check.
/// </summary>
public sealed class EngineAcceleration : IDisposable
{
    /// <summary>Largest logit difference allowed against the export, relative to max(1, the logits' largest magnitude).</summary>
    public const double Fp32Tolerance = 1e-3;

    public const double Fp16Tolerance = 3e-2;

    private EngineAcceleration()
    {
    }

    private readonly Lock _talkerGate = new();
    private CheckpointWeights? _weights;
    private bool _fusedTalkerTried;
    private bool _standardTalkerTried;
    private string? _fusedTalkerVerdict;

    /// <summary>The cached code-predictor step when the checkpoint gave one that agrees with the export.</summary>
    public CachedPredictorStep? Predictor { get; private set; }

    /// <summary>The talker step built from the checkpoint: at load on the CPU (the engine talker), else once static shapes ask for it.</summary>
    public InferenceSession? TalkerStep { get; private set; }

    /// <summary>One line on the talker step: built (which form) with its largest difference, or why not.</summary>
    public string TalkerStatus { get; private set; } = "not built (static shapes not asked for)";

    public EngineTablesState Tables { get; private set; } = new(null, "not tried");

    /// <summary>One line on the cached predictor: used with its largest difference, or why not.</summary>
    public string PredictorStatus { get; private set; } = "not tried";

    public static EngineAcceleration None(string why) => new() { PredictorStatus = why, Tables = new(null, why), TalkerStatus = why };

    public static EngineAcceleration Load(ModelSessions sessions)
    {
        var manifest = sessions.Manifest;
        var hf = manifest.HfDirectory is null ? null : Path.Combine(sessions.Directory, manifest.HfDirectory);
        SafetensorsFile? file;
        try
        {
            file = hf is null ? null : SafetensorsFile.OpenFolder(hf);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return None("export graphs (the checkpoint could not be read: " + ex.Message + ")");
        }

        if (file is null)
        {
            return None($"export graphs (no model.safetensors in {hf ?? "the HF folder (none known)"})");
        }

        var weights = new CheckpointWeights(file, manifest);
        var acceleration = new EngineAcceleration { Tables = LoadTables(sessions, weights), _weights = weights };
        acceleration.LoadPredictor(sessions, weights);
        acceleration.EngineTalker(sessions); // built and checked at load, not on a card's first request
        return acceleration;
    }

    private void LoadPredictor(ModelSessions sessions, CheckpointWeights weights)
    {
        var manifest = sessions.Manifest;
        var shape = manifest.CodePredictor;
        if (shape is null)
        {
            PredictorStatus = "export graph (config.json has no code_predictor_config: the cached predictor cannot be built)";
            return;
        }

        var cacheElements = (int)(shape.KvHeads * SlotDecoderGraph.PredictorSlots * shape.HeadDim);
        var spec = SlotDecoderGraph.Predictor(manifest);
        var forms = new List<(string Name, Func<CachedPredictorStep> Load)>();
        if (sessions.Provider.Kind == ExecutionProviderKind.Cpu && sessions.Provider.FusedCpuGraphs && FusedSlotDecoderGraph.Supports(spec))
        {
            forms.Add(("fused for the CPU", () => Open(sessions, FusedSlotDecoderGraph.Build(spec, weights.Predictor, inline: true).ToBytes(),
                session => new CachedPredictorStep(session, shape.Layers, cacheElements, CachedPredictorStep.HeadsFrom(weights, spec)))));
        }

        var half = IsHalf(sessions, GraphNames.CodePredictor);
        forms.Add((half ? "standard operators, fp16 weights and matmuls" : "standard operators", () => Open(sessions,
            SlotDecoderGraph.Build(spec, weights.Predictor, inline: true, halfMatMuls: half).ToBytes(),
            session => new CachedPredictorStep(session, shape.Layers, cacheElements, heads: null))));
        var rejected = new List<string>();
        foreach (var (form, load) in forms)
        {
            var (step, verdict) = TryPredictorForm(sessions, load);
            if (step is not null)
            {
                Predictor = step;
                PredictorStatus = $"cached, {form} ({verdict}){(rejected.Count == 0 ? "" : "; " + string.Join("; ", rejected))}";
                return;
            }

            rejected.Add($"{form}: {verdict}");
        }

        PredictorStatus = "export graph (the cached predictor " + string.Join("; ", rejected) + ")";
    }

    private static CachedPredictorStep Open(ModelSessions sessions, byte[] model, Func<InferenceSession, CachedPredictorStep> wrap)
    {
        using var options = SessionOptionsFactory.Create(sessions.Provider);
        var session = new InferenceSession(model, options);
        try
        {
            return wrap(session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>An fp16 export graph: the engine's standard-operator form of it keeps its weight matrices in fp16 too.</summary>
    internal static bool IsHalf(ModelSessions sessions, string graph) =>
        sessions.FloatType(graph) == Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16;

    /// <summary>The largest difference allowed against an export graph (by its precision), relative to max(1, the largest logit).</summary>
    internal static (double Tolerance, bool Half) Allowed(ModelSessions sessions, string graph, double scale)
    {
        var half = IsHalf(sessions, graph);
        return ((half ? Fp16Tolerance : Fp32Tolerance) * Math.Max(1, scale), half);
    }

    /// <summary>One form of the cached predictor, kept only when its logits agree with the export's on every gen_step.</summary>
    private static (CachedPredictorStep? Step, string Verdict) TryPredictorForm(ModelSessions sessions, Func<CachedPredictorStep> load)
    {
        CachedPredictorStep? step = null;
        try
        {
            step = load();
            var (difference, scale) = Compare(sessions, step);
            var (tolerance, half) = Allowed(sessions, GraphNames.CodePredictor, scale);
            var figures = string.Create(CultureInfo.InvariantCulture,
                $"largest logit difference {difference:G3} over 15 gen_steps, allowed {tolerance:G3} ({(half ? "fp16" : "fp32")} export, logits up to {scale:F1})");
            if (difference <= tolerance)
            {
                return (step, figures);
            }

            step.Dispose();
            return (null, "disagrees with the export, " + figures);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            step?.Dispose();
            return (null, "could not be built: " + ex.Message);
        }
    }

    /// <summary>
    /// The talker step for static shapes: the CPU's fused form when it was accepted (see <see cref="EngineTalker"/>),
    /// else the slot-cache talker in standard operators, built once from the checkpoint and kept only when it matches
    /// the export's talker_prefill and talker_decode on a test prompt.
    /// </summary>
    public InferenceSession? EnsureTalkerStep(ModelSessions sessions)
    {
        if (EngineTalker(sessions) is { } fused)
        {
            return fused;
        }

        lock (_talkerGate)
        {
            if (!_standardTalkerTried && _weights is not null)
            {
                _standardTalkerTried = true;
                var spec = SlotDecoderGraph.Talker(sessions.Manifest, _weights.HasTalkerHeadBias);
                var half = IsHalf(sessions, GraphNames.TalkerDecode);
                var (session, verdict) = TryTalkerForm(sessions, folder => SlotDecoderGraph.Build(spec, _weights.Talker, inline: false, folder, half), inPlace: false);
                TalkerStep = session;
                var form = half ? "standard operators, fp16 weights and matmuls" : "standard operators";
                TalkerStatus = (session is null ? $"unavailable: {form}: " : $"built from the checkpoint, {form} (") + verdict +
                               (session is null ? "" : ")") + (_fusedTalkerVerdict is { } fusedVerdict ? "; fused for the CPU: " + fusedVerdict : "");
            }

            return TalkerStep;
        }
    }

    /// <summary>
    /// Lets the talker step go (its weights leave memory) once a card's decode lanes run every utterance: a static-shape
    /// card's unbatched slot talker is a second copy of the talker beside the lanes' batched one. It is not rebuilt: an
    /// unbatched utterance after this runs the export's talker (reopened on demand). Only while nothing runs on the card
    /// (at load): a run in flight holds the session.
    /// </summary>
    public void ReleaseTalkerStep(string why)
    {
        lock (_talkerGate)
        {
            (_fusedTalkerTried, _standardTalkerTried) = (true, true);
            TalkerStep?.Dispose();
            (TalkerStep, TalkerStepInPlace) = (null, false);
            TalkerStatus = "released: " + why;
        }
    }

    /// <summary>True when <see cref="TalkerStep"/> takes the same buffers as its past and present cache (written in place).</summary>
    public bool TalkerStepInPlace { get; private set; }

    /// <summary>
    /// The CPU's engine talker: the fused talker step, whose cache is written in place (and, at dynamic shapes, grows on
    /// demand), built and checked once (at load); null elsewhere, when switched off, or when it was refused. Only the
    /// fused form: the standard one copies its whole cache every run, slower than the export's talker_decode there.
    /// </summary>
    public InferenceSession? EngineTalker(ModelSessions sessions)
    {
        lock (_talkerGate)
        {
            if (_fusedTalkerTried)
            {
                return TalkerStepInPlace ? TalkerStep : null;
            }

            _fusedTalkerTried = true;
            if (_weights is null)
            {
                TalkerStatus = "unavailable: " + PredictorStatus;
                _standardTalkerTried = true;
                return null;
            }

            var spec = SlotDecoderGraph.Talker(sessions.Manifest, _weights.HasTalkerHeadBias);
            if (sessions.Provider is not { Kind: ExecutionProviderKind.Cpu, FusedCpuGraphs: true } || !FusedSlotDecoderGraph.Supports(spec))
            {
                return null;
            }

            var (session, verdict) = TryTalkerForm(sessions, folder => FusedSlotDecoderGraph.Build(spec, _weights.Talker, inline: false, directory: folder), inPlace: true);
            if (session is null)
            {
                _fusedTalkerVerdict = verdict;
                TalkerStatus = "the export's talker (fused for the CPU: " + verdict + ")";
                return null;
            }

            (TalkerStep, TalkerStepInPlace) = (session, true);
            TalkerStatus = "built from the checkpoint, fused for the CPU, cache written in place (" + verdict + ")";
            return session;
        }
    }

    /// <summary>
    /// One form of the talker built from the checkpoint, kept only when it matches the export on a test prompt. A real
    /// talker is gigabytes (past protobuf's 2 GB), so its weights stream, one tensor at a time, to a temporary
    /// external-data file that is removed as soon as the session holds them.
    /// </summary>
    private static (InferenceSession? Session, string Verdict) TryTalkerForm(ModelSessions sessions, Func<string, Graphs.OnnxGraphBuilder> build, bool inPlace)
    {
        var folder = Directory.CreateTempSubdirectory("qwentts-talker-step-").FullName;
        InferenceSession? session = null;
        try
        {
            using (var graph = build(folder))
            {
                graph.Save(folder);
            }

            using var options = SessionOptionsFactory.Create(sessions.Provider);
            session = new InferenceSession(Path.Combine(folder, SlotDecoderGraph.TalkerName + ".onnx"), options);
            Directory.Delete(folder, recursive: true);
            var (difference, scale) = CompareTalker(sessions, session, inPlace);
            var (tolerance, _) = Allowed(sessions, GraphNames.TalkerDecode, scale);
            var figures = string.Create(CultureInfo.InvariantCulture,
                $"largest logit difference {difference:G3} against talker_prefill and talker_decode, allowed {tolerance:G3}");
            if (difference <= tolerance)
            {
                return (session, figures);
            }

            session.Dispose();
            return (null, "disagrees with the export (" + figures + ")");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            session?.Dispose();
            return (null, "could not be built from the checkpoint: " + ex.Message);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    /// <summary>
    /// A 7-row prompt and decode steps through the export's talker and the slot-cache one: padded to 16 rows over a
    /// 64-slot cache, as static shapes run it; and for the in-place form also as the CPU's engine talker runs it (the
    /// prompt at its own length, a cache that starts at 16 slots and doubles once during the check).
    /// </summary>
    internal static (double Difference, double Scale) CompareTalker(ModelSessions sessions, InferenceSession step, bool inPlace)
    {
        var (difference, scale) = CompareTalker(sessions, run => new BucketedTalker(step, sessions, run, new OrtTimer(),
            new StaticShapeOptions { PrefillLengths = [16], CacheCapacities = [64] }, inPlace), steps: 4);
        if (!inPlace)
        {
            return (difference, scale);
        }

        var (growing, growingScale) = CompareTalker(sessions, run => new BucketedTalker(step, sessions, run, new OrtTimer(), shapes: null, inPlace: true, growthStep: 8), steps: 12);
        return (Math.Max(difference, growing), Math.Max(scale, growingScale));
    }

    private static (double Difference, double Scale) CompareTalker(ModelSessions sessions, Func<RunOptions, BucketedTalker> create, int steps)
    {
        var t = sessions.Manifest.Talker;
        const int rows = 7;
        var random = new Xoshiro256(20260602);
        var prompt = Enumerable.Range(0, (rows + steps) * t.Hidden).Select(_ => (float)random.NextGaussian()).ToArray();
        using var run = new RunOptions();
        var (expected, actual) = (new float[t.CodecVocab], new float[t.CodecVocab]);
        var (expectedHidden, actualHidden) = (new float[t.Hidden], new float[t.Hidden]);
        using var export = new OnnxTalker(sessions, run, new OrtTimer());
        using var slots = create(run);
        slots.Reserve(steps);
        double difference = 0, scale = 0;
        void Compare()
        {
            for (var i = 0; i < expected.Length; i++)
            {
                difference = Math.Max(difference, Math.Abs(expected[i] - actual[i]));
                scale = Math.Max(scale, Math.Abs(expected[i]));
            }

            for (var i = 0; i < expectedHidden.Length; i++)
            {
                difference = Math.Max(difference, Math.Abs(expectedHidden[i] - actualHidden[i]));
            }
        }

        export.Prefill(prompt, rows, expected, expectedHidden);
        slots.Prefill(prompt, rows, actual, actualHidden);
        Compare();
        for (var s = 0; s < steps; s++)
        {
            var next = prompt[((rows + s) * t.Hidden)..((rows + s + 1) * t.Hidden)];
            export.Decode(next, expected, expectedHidden);
            slots.Decode(next, actual, actualHidden);
            Compare();
        }

        return (difference, scale);
    }

    /// <summary>Runs the export's code_predictor and the cached one on the same 16 rows, every gen_step; largest difference and scale.</summary>
    private static (double Difference, double Scale) Compare(ModelSessions sessions, CachedPredictorStep cached)
    {
        var manifest = sessions.Manifest;
        var hidden = manifest.Talker.Hidden;
        var rows = manifest.Codec.Codebooks;
        var random = new Xoshiro256(20260601);
        var context = new float[rows * hidden];
        for (var i = 0; i < context.Length; i++)
        {
            context[i] = (float)random.NextGaussian();
        }

        using var run = new RunOptions();
        using var export = new OnnxCodePredictor(sessions, run, new OrtTimer());
        using var step = new CachedCodePredictor(cached, hidden, manifest.Codec.CodebookSize, run, new OrtTimer());
        var expected = new float[manifest.Codec.CodebookSize];
        var actual = new float[manifest.Codec.CodebookSize];
        double difference = 0, scale = 0;
        for (var s = 0; s < rows - 1; s++)
        {
            export.Logits(context, s + 2, s, expected);
            step.Logits(context, s + 2, s, actual);
            for (var i = 0; i < expected.Length; i++)
            {
                difference = Math.Max(difference, Math.Abs(expected[i] - actual[i]));
                scale = Math.Max(scale, Math.Abs(expected[i]));
            }
        }

        return (difference, scale);
    }

    private static EngineTablesState LoadTables(ModelSessions sessions, CheckpointWeights weights)
    {
        try
        {
            var manifest = sessions.Manifest;
            var codec = weights.CodecTable();
            var predictor = weights.PredictorTables();
            RoundForHalfGraph(sessions, GraphNames.CodecEmbed, [codec]);
            RoundForHalfGraph(sessions, GraphNames.CodePredictorEmbed, predictor);
            var tables = new EmbeddingTables(codec, predictor, manifest.Talker.Hidden);
            var mismatch = SampleMismatch(sessions, tables);
            return mismatch is null
                ? new EngineTablesState(tables, "host tables (sample rows equal the graphs')")
                : new EngineTablesState(null, "graph runs (the checkpoint's tables differ from the graphs: " + mismatch + ")");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return new EngineTablesState(null, "graph runs (the tables could not be read: " + ex.Message + ")");
        }
    }

    /// <summary>An fp16 graph returns fp16 rows: the host copy is rounded the same way, so both give identical inputs.</summary>
    private static void RoundForHalfGraph(ModelSessions sessions, string graph, float[][] tables)
    {
        if (!IsHalf(sessions, graph))
        {
            return;
        }

        foreach (var table in tables)
        {
            for (var i = 0; i < table.Length; i++)
            {
                table[i] = (float)(Half)table[i];
            }
        }
    }

    private static string? SampleMismatch(ModelSessions sessions, EmbeddingTables tables)
    {
        var manifest = sessions.Manifest;
        var hidden = manifest.Talker.Hidden;
        using var run = new RunOptions();
        using var graphs = new OnnxEmbeddings(sessions, run, new OrtTimer());
        int[] codecIds = [0, 1, manifest.Codec.CodebookSize - 1, manifest.CodecIds.Pad, manifest.CodecIds.Eos, manifest.Talker.CodecVocab - 1];
        var fromGraph = new float[codecIds.Length * hidden];
        graphs.Codec(codecIds, fromGraph, 0);
        for (var i = 0; i < codecIds.Length; i++)
        {
            if (!fromGraph.AsSpan(i * hidden, hidden).SequenceEqual(tables.CodecRow(codecIds[i])))
            {
                return $"codec_embed row {codecIds[i]}";
            }
        }

        int[] codes = [0, 7, manifest.Codec.CodebookSize - 1];
        var row = new float[codes.Length * hidden];
        for (var layer = 0; layer < manifest.Codec.Codebooks - 1; layer++)
        {
            graphs.PredictorCodes(codes, layer, row, 0);
            for (var i = 0; i < codes.Length; i++)
            {
                if (!row.AsSpan(i * hidden, hidden).SequenceEqual(tables.PredictorRow(layer, codes[i])))
                {
                    return $"code_predictor_embed layer {layer} row {codes[i]}";
                }
            }
        }

        return null;
    }

    public void Dispose()
    {
        Predictor?.Dispose();
        TalkerStep?.Dispose();
    }
}

/// <summary>The host embedding tables when usable, and one line on why or why not.</summary>
public sealed record EngineTablesState(EmbeddingTables? Tables, string Status);
