using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// The CPU's fused decode steps with a batch axis, built from the checkpoint: the talker's one-row step for B utterances
/// at once (each at its own position, each in its row of a [B, kv, C, d] cache written in place) and the code
/// predictor's step for B utterances in lock-step (one head for all rows). The groundwork of continuous batching: one
/// run reads the weights once for every utterance on the card, where batch 1 reads them once per utterance.
/// A row's logits must not depend on its neighbours or on the batch size: <see cref="BatchInvariance"/> proves it.
/// </summary>
public sealed class BatchedDecodeSteps : IDisposable
{
    private BatchedDecodeSteps(InferenceSession talker, InferenceSession predictor, PredictorHeads heads, ModelManifest manifest)
    {
        Talker = talker;
        Predictor = predictor;
        Heads = heads;
        Manifest = manifest;
    }

    public InferenceSession Talker { get; }

    public InferenceSession Predictor { get; }

    /// <summary>The predictor's 15 heads, each its own session on the predictor's last hidden state.</summary>
    public PredictorHeads Heads { get; }

    public ModelManifest Manifest { get; }

    public const string TalkerName = "talker_step_batched";

    public const string PredictorName = "code_predictor_cached_batched";

    /// <summary>Builds both batched steps (the talker's weights stream to a temporary folder removed once loaded).</summary>
    public static BatchedDecodeSteps Build(ModelSessions sessions)
    {
        var manifest = sessions.Manifest;
        var hf = manifest.HfDirectory is null ? null : Path.Combine(sessions.Directory, manifest.HfDirectory);
        var file = (hf is null ? null : SafetensorsFile.OpenFolder(hf))
                   ?? throw new ModelValidationException("Batched steps are built from the checkpoint, and the HF folder has no model.safetensors.");
        var weights = new CheckpointWeights(file, manifest);
        var talkerSpec = SlotDecoderGraph.Talker(manifest, weights.HasTalkerHeadBias) with { Name = TalkerName };
        var predictorSpec = SlotDecoderGraph.Predictor(manifest) with { Name = PredictorName };
        if (!FusedSlotDecoderGraph.Supports(talkerSpec) || !FusedSlotDecoderGraph.Supports(predictorSpec))
        {
            throw new ModelValidationException("The batched steps take the CPU's fused form, which needs head sizes that are multiples of 8.");
        }

        using var options = SessionOptionsFactory.Create(sessions.Provider);
        var predictor = new InferenceSession(FusedSlotDecoderGraph.Build(predictorSpec, weights.Predictor, inline: true, batched: true).ToBytes(), options);
        var folder = Directory.CreateTempSubdirectory("qwentts-talker-batched-").FullName;
        InferenceSession? talker = null;
        try
        {
            using (var graph = FusedSlotDecoderGraph.Build(talkerSpec, weights.Talker, inline: false, directory: folder, batched: true))
            {
                graph.Save(folder);
            }

            talker = new InferenceSession(Path.Combine(folder, TalkerName + ".onnx"), options);
            var (hidden, vocab) = ((int)predictorSpec.Dims.Hidden, (int)predictorSpec.Vocab);
            var stacked = weights.Predictor(Model.OfficialWeights.StackedHeads, [predictorSpec.Heads, hidden, vocab], Graphs.WeightInit.Normal, 1f);
            return new BatchedDecodeSteps(talker, predictor, PredictorHeads.Build(stacked, predictorSpec.Heads, hidden, vocab, options), manifest);
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
    public void RunPredictor(SlotStepRunner.Caches caches, int batch, float[] rows, int rowsEach, int position, int genStep, float[] logits)
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
        Talker.Dispose();
        Predictor.Dispose();
        Heads.Dispose();
    }
}
