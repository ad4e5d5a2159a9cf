using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;
using QwenTts.Engine.Runtime;
using QwenTts.Graphs;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// The decode steps with a batch axis, built from the checkpoint: the talker's one-row step for B utterances at once
/// (each at its own position, each in its row of a [B, kv, C, d] cache written in place) and the code predictor's step
/// for B utterances in lock-step (one head for all rows). The groundwork of continuous batching: one run reads the
/// weights once for every utterance on the card, where batch 1 reads them once per utterance. Two forms with the same
/// inputs and outputs: fused for the CPU (<see cref="FusedSlotDecoderGraph"/>), or standard operators
/// (<see cref="SlotDecoderGraph"/>, fp16 weights and matmuls for an fp16 export) for every other provider.
/// A row's logits must not depend on its neighbours or on the batch size: <see cref="BatchInvariance"/> proves it.
/// </summary>
public sealed class BatchedDecodeSteps : IDisposable
{
    private readonly Lazy<SlotCacheOps> _cacheOps;

    private BatchedDecodeSteps(InferenceSession talker, InferenceSession predictor, PredictorHeads heads, ModelManifest manifest, string form,
        ExecutionProviderOptions provider)
    {
        _cacheOps = new Lazy<SlotCacheOps>(() => new SlotCacheOps(provider));
        Form = form;
        Talker = talker;
        Predictor = predictor;
        Heads = heads;
        Manifest = manifest;
    }

    /// <summary>Which form: "fused for the CPU", "standard operators" or "standard operators, fp16 weights and matmuls".</summary>
    public string Form { get; }

    public InferenceSession Talker { get; }

    public InferenceSession Predictor { get; }

    /// <summary>The predictor's 15 heads, each its own session on the predictor's last hidden state.</summary>
    public PredictorHeads Heads { get; }

    public ModelManifest Manifest { get; }

    /// <summary>Makes and grows lanes' caches in the card's own memory (built when a lane first asks).</summary>
    public SlotCacheOps CacheOps => _cacheOps.Value;

    public const string TalkerName = "talker_step_batched";

    public const string PredictorName = "code_predictor_cached_batched";

    /// <summary>Builds both batched steps (the talker's weights stream to a temporary folder removed once loaded).</summary>
    /// <param name="fused">The CPU's fused form; else standard operators, in fp16 where the export's graph is fp16.</param>
    public static BatchedDecodeSteps Build(ModelSessions sessions, bool fused = true)
    {
        var manifest = sessions.Manifest;
        var hf = manifest.HfDirectory is null ? null : Path.Combine(sessions.Directory, manifest.HfDirectory);
        var file = (hf is null ? null : SafetensorsFile.OpenFolder(hf))
                   ?? throw new ModelValidationException("Batched steps are built from the checkpoint, and the HF folder has no model.safetensors.");
        var weights = new CheckpointWeights(file, manifest);
        var talkerSpec = SlotDecoderGraph.Talker(manifest, weights.HasTalkerHeadBias) with { Name = TalkerName };
        var predictorSpec = SlotDecoderGraph.Predictor(manifest) with { Name = PredictorName };
        if (fused && (!FusedSlotDecoderGraph.Supports(talkerSpec) || !FusedSlotDecoderGraph.Supports(predictorSpec)))
        {
            throw new ModelValidationException("The batched steps' fused form needs head sizes that are multiples of 8.");
        }

        var halfTalker = !fused && EngineAcceleration.IsHalf(sessions, GraphNames.TalkerDecode);
        var halfPredictor = !fused && EngineAcceleration.IsHalf(sessions, GraphNames.CodePredictor);
        var form = fused ? "fused for the CPU" : halfTalker || halfPredictor ? "standard operators, fp16 weights and matmuls" : "standard operators";
        OnnxGraphBuilder Graph(SlotDecoderSpec spec, WeightSource source, bool inline, string? folder, bool half) => fused
            ? FusedSlotDecoderGraph.Build(spec, source, inline, directory: folder, batched: true)
            : SlotDecoderGraph.Build(spec, source, inline, folder, half, batched: true);

        using var options = SessionOptionsFactory.Create(sessions.Provider);
        var predictor = new InferenceSession(Graph(predictorSpec, weights.Predictor, inline: true, folder: null, halfPredictor).ToBytes(), options);
        var folder = Directory.CreateTempSubdirectory("qwentts-talker-batched-").FullName;
        InferenceSession? talker = null;
        try
        {
            using (var graph = Graph(talkerSpec, weights.Talker, inline: false, folder, halfTalker))
            {
                graph.Save(folder);
            }

            talker = new InferenceSession(Path.Combine(folder, TalkerName + ".onnx"), options);
            var (hidden, vocab) = ((int)predictorSpec.Dims.Hidden, (int)predictorSpec.Vocab);
            var stacked = weights.Predictor(Model.OfficialWeights.StackedHeads, [predictorSpec.Heads, hidden, vocab], Graphs.WeightInit.Normal, 1f);
            var heads = PredictorHeads.Build(stacked, predictorSpec.Heads, hidden, vocab, options, halfPredictor);
            return new BatchedDecodeSteps(talker, predictor, heads, manifest, form, sessions.Provider);
        }
        catch
        {
            talker?.Dispose();
            predictor.Dispose();
            throw;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// One predictor gen_step for <paramref name="batch"/> utterances in lock-step (rows [B, rowsEach, width] from slot
    /// <paramref name="position"/>), unbound: for checks and benchmarks; the lanes bind theirs once.
    /// </summary>
    public void RunPredictor(ISlotCaches caches, int batch, float[] rows, int rowsEach, int position, int genStep, float[] logits)
    {
        var hidden = new float[batch * Heads.Hidden];
        SlotStepRunner.Run(Predictor, caches, 0, batch, rows, rowsEach, Manifest.Talker.Hidden, [position], perRow: false, null, hidden, Heads.Hidden,
            logitsOutput: PredictorHeads.InputName);
        using var head = Heads.Bind(genStep, batch, hidden, logits);
        using var run = new RunOptions();
        head.Run(run);
    }

    public void Dispose()
    {
        if (_cacheOps.IsValueCreated)
        {
            _cacheOps.Value.Dispose();
        }

        Talker.Dispose();
        Predictor.Dispose();
        Heads.Dispose();
    }
}
