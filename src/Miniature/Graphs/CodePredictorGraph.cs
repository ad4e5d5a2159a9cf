using QwenTts.Graphs;
using QwenTts.Engine.Model;

namespace QwenTts.Miniature.Graphs;

/// <summary>
/// code_predictor: context [1,L,H] (L = 2..16: talker hidden, c0 embedding, then the embeddings of c1..) is projected
/// to the predictor's width, runs its decoder layers without a cache (as the public export does: the bottleneck),
/// and head[gen_step] turns the last position into logits over 2048 codes.
/// </summary>
public static class CodePredictorGraph
{
    public static OnnxGraphBuilder Build(GraphContext c)
    {
        var d = c.Spec.CodePredictor;
        var codec = c.Manifest.Codec;
        var g = c.NewGraph(GraphNames.CodePredictor);
        var context = c.FloatInput(g, "context", 1, "L", c.Spec.Talker.Hidden);
        var step = g.Input("gen_step", OnnxGraphBuilder.Int64);

        // Projected to the predictor's width; where the widths are equal (the 0.6B) the official model has an identity there.
        var x = c.Spec.Talker.Hidden == d.Hidden ? context : g.Linear(context, "small_to_mtp_projection", c.Spec.Talker.Hidden, d.Hidden, bias: true);
        var (cos, sin) = g.RopeTables(g.SequencePositions(x, 1), d.HeadDim, d.RopeTheta);
        var bias = g.CausalMask(x, 1);
        for (var i = 0; i < d.Layers; i++)
        {
            (x, _, _) = g.DecoderLayer($"layers.{i}", x, d, cos, sin, bias, null, null);
        }

        var last = g.Slice(g.RmsNorm(x, "norm", d.Hidden), -1, long.MaxValue, 1);
        var heads = g.Parameter("lm_head", 1f / MathF.Sqrt(d.Hidden), codec.Codebooks - 1, d.Hidden, codec.CodebookSize);
        var logits = g.MatMul(last, g.Gather(heads, step));
        c.FloatOutput(g, logits, "logits", 1, 1, codec.CodebookSize);
        return g;
    }
}
