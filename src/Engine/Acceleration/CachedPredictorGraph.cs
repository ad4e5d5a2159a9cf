using QwenTts.Engine.Model;
using QwenTts.Graphs;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// A code-predictor step with a KV cache, built from the model's own weights: one context row in (talker width), its
/// position and gen_step, the cache of every layer in and out at a fixed 16 slots; the row's K/V are written into slot
/// <c>position</c> and slots after it are masked, so a frame costs 16 one-row steps instead of 135 recomputed rows, at
/// one fixed shape (fit for CUDA graphs and NPU graph compilation). The same math as the export's code_predictor:
/// small_to_mtp_projection, Qwen3 layers, final norm, lm_head[gen_step] on the last row.
/// </summary>
public static class CachedPredictorGraph
{
    public const string Name = "code_predictor_cached";
    public const int Slots = 16;

    public static TransformerDims Dims(PredictorShape shape) =>
        new(shape.Hidden, shape.Layers, shape.Heads, shape.KvHeads, shape.HeadDim, shape.Mlp, shape.RopeTheta, shape.RmsEps);

    public static byte[] Build(ModelManifest manifest, WeightSource weights)
    {
        var shape = manifest.CodePredictor ?? throw new ModelValidationException("config.json has no code_predictor_config: the cached predictor cannot be built.");
        var d = Dims(shape);
        var codebooks = manifest.Codec.Codebooks;
        var g = new OnnxGraphBuilder(Name, weights, inline: true) { DocString = "QwenTts: KV-cached code predictor step built from the checkpoint." };
        var row = g.Input("row", OnnxGraphBuilder.Float, 1, 1, manifest.Talker.Hidden);
        var position = g.Input("position", OnnxGraphBuilder.Int64, 1);
        var step = g.Input("gen_step", OnnxGraphBuilder.Int64);
        var past = Enumerable.Range(0, d.Layers)
            .Select(i => (Keys: g.Input($"past_key_{i}", OnnxGraphBuilder.Float, 1, d.KvHeads, Slots, d.HeadDim),
                          Values: g.Input($"past_value_{i}", OnnxGraphBuilder.Float, 1, d.KvHeads, Slots, d.HeadDim)))
            .ToArray();

        var x = g.Linear(row, "small_to_mtp_projection", manifest.Talker.Hidden, d.Hidden, bias: true);
        var (cos, sin) = g.RopeTables(g.Cast(position, OnnxGraphBuilder.Float), d.HeadDim, d.RopeTheta);
        var slots = g.Node("Range", [g.Int64Scalar(0), g.Int64Scalar(Slots), g.Int64Scalar(1)]);
        var here = g.Reshape(g.Cast(g.Node("Equal", [slots, position]), OnnxGraphBuilder.Float), 1, 1, Slots, 1);
        var keep = g.Sub(g.FloatScalar(1f), here);
        var later = g.Cast(g.Node("Greater", [slots, position]), OnnxGraphBuilder.Float);
        var bias = g.Reshape(g.Mul(later, g.FloatScalar(-1e9f)), 1, 1, 1, Slots);

        for (var i = 0; i < d.Layers; i++)
        {
            var layer = past[i];
            (x, var keys, var values) = g.DecoderLayer($"layers.{i}", x, d, cos, sin, bias, null, null,
                (k, v) => (g.Add(g.Mul(layer.Keys, keep), g.Mul(k, here)), g.Add(g.Mul(layer.Values, keep), g.Mul(v, here))));
            g.Output(keys, $"present_key_{i}", OnnxGraphBuilder.Float, 1, d.KvHeads, Slots, d.HeadDim);
            g.Output(values, $"present_value_{i}", OnnxGraphBuilder.Float, 1, d.KvHeads, Slots, d.HeadDim);
        }

        var heads = g.Parameter(OfficialWeights.StackedHeads, 1f, codebooks - 1, d.Hidden, manifest.Codec.CodebookSize);
        var logits = g.MatMul(g.RmsNorm(x, "norm", d.Hidden, d.RmsEps), g.Gather(heads, step));
        g.Output(logits, "logits", OnnxGraphBuilder.Float, 1, 1, manifest.Codec.CodebookSize);
        return g.ToBytes();
    }
}
