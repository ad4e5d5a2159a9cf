using QwenTts.Graphs;
using QwenTts.Engine.Model;

namespace QwenTts.Miniature.Graphs;

/// <summary>
/// talker_prefill and talker_decode: the same Qwen3 decoder (shared weights), the first over the whole prompt, the
/// second one frame at a time over a growing KV cache. The code head is applied to the last position only.
/// </summary>
public static class TalkerGraphs
{
    public const string WeightScope = "talker";

    public static OnnxGraphBuilder Prefill(GraphContext c)
    {
        var d = c.Spec.Talker;
        var g = c.NewGraph(GraphNames.TalkerPrefill, WeightScope);
        var x = c.FloatInput(g, "inputs_embeds", 1, "S", d.Hidden);
        var mask = g.Input("attention_mask", OnnxGraphBuilder.Int64, 1, "S");

        var (cos, sin) = g.RopeTables(g.SequencePositions(x, 1), d.HeadDim, d.RopeTheta);
        var bias = g.Add(g.CausalMask(x, 1), g.PaddingMask(mask));
        for (var i = 0; i < d.Layers; i++)
        {
            (x, var keys, var values) = g.DecoderLayer($"layers.{i}", x, d, cos, sin, bias, null, null);
            c.FloatOutput(g, keys, $"past_key_{i}", 1, d.KvHeads, "S", d.HeadDim);
            c.FloatOutput(g, values, $"past_value_{i}", 1, d.KvHeads, "S", d.HeadDim);
        }

        Head(c, g, x, "S");
        return g;
    }

    public static OnnxGraphBuilder Decode(GraphContext c)
    {
        var d = c.Spec.Talker;
        var g = c.NewGraph(GraphNames.TalkerDecode, WeightScope);
        var x = c.FloatInput(g, "inputs_embeds", 1, 1, d.Hidden);
        var mask = g.Input("attention_mask", OnnxGraphBuilder.Int64, 1, "M");
        var position = g.Input("cache_position", OnnxGraphBuilder.Int64, 1);
        var past = Enumerable.Range(0, d.Layers)
            .Select(i => (Keys: c.FloatInput(g, $"past_key_{i}", 1, d.KvHeads, "P", d.HeadDim),
                          Values: c.FloatInput(g, $"past_value_{i}", 1, d.KvHeads, "P", d.HeadDim)))
            .ToArray();

        // As transformers does (and the export traced with a past+2 mask): only the first past+1 entries are used.
        var attended = g.Add(g.DimSize(past[0].Keys, 2), g.Int64Scalar(1));
        var usedMask = g.Node("Slice", [mask, g.Int64Vector(0), g.Unsqueeze(attended, 0), g.Int64Vector(1)]);
        var (cos, sin) = g.RopeTables(g.Cast(position, OnnxGraphBuilder.Float), d.HeadDim, d.RopeTheta);
        // And as transformers' causal mask does: key index <= cache_position (the traced graph ties the two together).
        var keyIndexes = g.Node("Range", [g.Int64Scalar(0), attended, g.Int64Scalar(1)]);
        var causal = g.Unsqueeze(g.Mul(g.Cast(g.Node("Greater", [keyIndexes, position]), OnnxGraphBuilder.Float), g.FloatScalar(-1e9f)), 0, 1, 2);
        var bias = g.Add(g.PaddingMask(usedMask), causal);
        for (var i = 0; i < d.Layers; i++)
        {
            (x, var keys, var values) = g.DecoderLayer($"layers.{i}", x, d, cos, sin, bias, past[i].Keys, past[i].Values);
            c.FloatOutput(g, keys, $"new_past_key_{i}", 1, d.KvHeads, "P1", d.HeadDim);
            c.FloatOutput(g, values, $"new_past_value_{i}", 1, d.KvHeads, "P1", d.HeadDim);
        }

        Head(c, g, x, 1);
        return g;
    }

    /// <summary>Final RMSNorm (last_hidden, what the code predictor reads) and codec_head on the last position.</summary>
    private static void Head(GraphContext c, OnnxGraphBuilder g, string x, object length)
    {
        var d = c.Spec.Talker;
        var vocab = c.Manifest.Talker.CodecVocab;
        var normed = g.RmsNorm(x, "norm", d.Hidden);
        c.FloatOutput(g, normed, "last_hidden", 1, length, d.Hidden);

        var last = g.Slice(normed, -1, long.MaxValue, 1);
        var headBias = new float[vocab];
        headBias[c.Manifest.CodecIds.Eos] = c.Stopping.Values.Bias;
        var scale = (c.OverflowTalker ? 1e6f : 1f) / MathF.Sqrt(d.Hidden);
        var logits = g.Add(g.MatMul(last, g.Parameter("codec_head.weight", scale, d.Hidden, vocab)),
            g.Weight("codec_head.eos_bias", headBias, vocab));
        c.FloatOutput(g, logits, "logits", 1, 1, vocab);
    }
}
