using Onnx;

namespace QwenTts.Graphs;

/// <summary>ONNX operators as methods, and the transformer pieces the Qwen3-TTS graphs are made of.</summary>
public static class GraphOps
{
    public static string MatMul(this OnnxGraphBuilder g, string a, string b) => g.Node("MatMul", [a, b]);

    public static string Add(this OnnxGraphBuilder g, string a, string b) => g.Node("Add", [a, b]);

    public static string Sub(this OnnxGraphBuilder g, string a, string b) => g.Node("Sub", [a, b]);

    public static string Mul(this OnnxGraphBuilder g, string a, string b) => g.Node("Mul", [a, b]);

    public static string Div(this OnnxGraphBuilder g, string a, string b) => g.Node("Div", [a, b]);

    public static string Neg(this OnnxGraphBuilder g, string x) => g.Node("Neg", [x]);

    public static string Tanh(this OnnxGraphBuilder g, string x) => g.Node("Tanh", [x]);

    public static string Silu(this OnnxGraphBuilder g, string x) => g.Mul(x, g.Node("Sigmoid", [x]));

    public static string Cast(this OnnxGraphBuilder g, string x, int to) =>
        g.Node("Cast", [x], n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("to", to)));

    public static string Transpose(this OnnxGraphBuilder g, string x, params long[] perm) =>
        g.Node("Transpose", [x], n => n.Attribute.Add(OnnxGraphBuilder.IntsAttribute("perm", perm)));

    /// <summary>Reshape; 0 keeps the input's dimension, -1 infers one.</summary>
    public static string Reshape(this OnnxGraphBuilder g, string x, params long[] shape) => g.Node("Reshape", [x, g.Int64Vector(shape)]);

    public static string Concat(this OnnxGraphBuilder g, long axis, params string[] inputs) =>
        g.Node("Concat", inputs, n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("axis", axis)));

    public static string Gather(this OnnxGraphBuilder g, string data, string indices, long axis = 0) =>
        g.Node("Gather", [data, indices], n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("axis", axis)));

    public static string Unsqueeze(this OnnxGraphBuilder g, string x, params long[] axes) => g.Node("Unsqueeze", [x, g.Int64Vector(axes)]);

    public static string Slice(this OnnxGraphBuilder g, string x, long start, long end, long axis) =>
        g.Node("Slice", [x, g.Int64Vector(start), g.Int64Vector(end), g.Int64Vector(axis)]);

    public static string Softmax(this OnnxGraphBuilder g, string x) =>
        g.Node("Softmax", [x], n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("axis", -1)));

    public static string ReduceMeanLast(this OnnxGraphBuilder g, string x) => g.Node("ReduceMean", [x], n =>
    {
        n.Attribute.Add(OnnxGraphBuilder.IntsAttribute("axes", -1));
        n.Attribute.Add(OnnxGraphBuilder.IntAttribute("keepdims", 1));
    });

    /// <summary>Size of dimension <paramref name="axis"/> of x, as an int64 scalar.</summary>
    public static string DimSize(this OnnxGraphBuilder g, string x, long axis) => g.Gather(g.Node("Shape", [x]), g.Int64Scalar(axis));

    public static string Linear(this OnnxGraphBuilder g, string x, string name, long inputs, long outputs, bool bias)
    {
        var y = g.WeightMatMul(x, name + ".weight", 1f / MathF.Sqrt(inputs), inputs, outputs);
        return bias ? g.Add(y, g.Parameter(name + ".bias", 0.02f, outputs)) : y;
    }

    /// <summary>RMSNorm over the last axis: x / sqrt(mean(x²) + eps) * weight.</summary>
    public static string RmsNorm(this OnnxGraphBuilder g, string x, string name, long width, float eps = 1e-6f)
    {
        // Pow(x, 2) -> ReduceMean -> Add -> Sqrt -> Div -> Mul is the pattern ONNX Runtime fuses into one node
        // (SimplifiedLayerNormalization) in a compact graph.
        var meanSquare = g.ReduceMeanLast(g.Compact ? g.Node("Pow", [x, g.FloatScalar(2f)]) : g.Mul(x, x));
        var rms = g.Node("Sqrt", [g.Add(meanSquare, g.FloatScalar(eps))]);
        return g.Mul(g.Div(x, rms), g.OnesParameter(name + ".weight", width));
    }

    /// <summary>cos and sin tables [S, D] for rotary positions (float [S]), theta as in Qwen3 (1e6).</summary>
    public static (string Cos, string Sin) RopeTables(this OnnxGraphBuilder g, string positions, long headDim, double theta)
    {
        var inverse = InverseFrequencies(headDim, theta);
        var frequencies = g.MatMul(g.Unsqueeze(positions, 1), g.Weight("rope.inv_freq", inverse, 1, headDim / 2));
        var angles = g.Concat(1, frequencies, frequencies);
        return (g.Node("Cos", [angles]), g.Node("Sin", [angles]));
    }

    /// <summary>RoPE's inverse frequencies theta^(-2j/D), j &lt; D/2, in single precision: every RoPE table is built from these.</summary>
    public static float[] InverseFrequencies(long headDim, double theta)
    {
        var inverse = new float[headDim / 2];
        for (var j = 0; j < inverse.Length; j++)
        {
            inverse[j] = (float)Math.Pow(theta, -2.0 * j / headDim);
        }

        return inverse;
    }

    /// <summary>Positions 0..S-1 of a sequence axis, as float [S].</summary>
    public static string SequencePositions(this OnnxGraphBuilder g, string x, long axis)
    {
        var length = g.DimSize(x, axis);
        return g.Cast(g.Node("Range", [g.Int64Scalar(0), length, g.Int64Scalar(1)]), OnnxGraphBuilder.Float);
    }

    /// <summary>Additive causal mask [S, S] for the sequence axis of x: 0 on and below the diagonal, -1e9 above.</summary>
    public static string CausalMask(this OnnxGraphBuilder g, string x, long axis)
    {
        var length = g.Unsqueeze(g.DimSize(x, axis), 0);
        var ones = g.Node("ConstantOfShape", [g.Concat(0, length, length)], n => n.Attribute.Add(OnnxGraphBuilder.TensorAttribute("value", 1f)));
        var lower = g.Node("Trilu", [ones], n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("upper", 0)));
        return g.Mul(g.Sub(g.FloatScalar(1f), lower), g.FloatScalar(-1e9f));
    }

    /// <summary>Additive padding mask [1, 1, 1, T] from an int64 attention mask [1, T] (1 = attend).</summary>
    public static string PaddingMask(this OnnxGraphBuilder g, string attentionMask)
    {
        var keep = g.Cast(attentionMask, OnnxGraphBuilder.Float);
        return g.Unsqueeze(g.Mul(g.Sub(g.FloatScalar(1f), keep), g.FloatScalar(-1e9f)), 1, 2);
    }

    public static string Rotate(this OnnxGraphBuilder g, string x, string cos, string sin, long headDim)
    {
        var first = g.Slice(x, 0, headDim / 2, 3);
        var second = g.Slice(x, headDim / 2, headDim, 3);
        var rotated = g.Concat(3, g.Neg(second), first);
        return g.Add(g.Mul(x, cos), g.Mul(rotated, sin));
    }

    /// <summary>
    /// One Qwen3 decoder layer: RMSNorm, grouped-query attention with per-head q/k RMSNorm and RoPE over an optional
    /// past cache, then a SwiGLU MLP; residuals around both. Returns the new hidden state and the full K/V.
    /// <paramref name="cache"/>, instead of a growing past, merges the new K/V into a fixed-size cache.
    /// </summary>
    public static (string Hidden, string Keys, string Values) DecoderLayer(this OnnxGraphBuilder g, string prefix, string x,
        TransformerDims d, string cos, string sin, string maskBias, string? pastKeys, string? pastValues,
        Func<string, string, (string Keys, string Values)>? cache = null)
    {
        var normed = g.RmsNorm(x, prefix + ".input_layernorm", d.Hidden, d.RmsEps);

        var q = g.Reshape(g.Linear(normed, prefix + ".q_proj", d.Hidden, d.Heads * d.HeadDim, bias: false), 0, 0, d.Heads, d.HeadDim);
        q = g.Rotate(g.Transpose(g.RmsNorm(q, prefix + ".q_norm", d.HeadDim, d.RmsEps), 0, 2, 1, 3), cos, sin, d.HeadDim);
        var k = g.Reshape(g.Linear(normed, prefix + ".k_proj", d.Hidden, d.KvHeads * d.HeadDim, bias: false), 0, 0, d.KvHeads, d.HeadDim);
        k = g.Rotate(g.Transpose(g.RmsNorm(k, prefix + ".k_norm", d.HeadDim, d.RmsEps), 0, 2, 1, 3), cos, sin, d.HeadDim);
        var v = g.Transpose(g.Reshape(g.Linear(normed, prefix + ".v_proj", d.Hidden, d.KvHeads * d.HeadDim, bias: false), 0, 0, d.KvHeads, d.HeadDim), 0, 2, 1, 3);

        if (pastKeys is not null && pastValues is not null)
        {
            k = g.Concat(2, pastKeys, k);
            v = g.Concat(2, pastValues, v);
        }
        else if (cache is not null)
        {
            (k, v) = cache(k, v);
        }

        var scores = g.Mul(g.MatMul(q, g.Transpose(g.RepeatKv(k, d), 0, 1, 3, 2)), g.FloatScalar(1f / MathF.Sqrt(d.HeadDim)));
        var weights = g.Softmax(g.Add(scores, maskBias));
        var attended = g.Reshape(g.Transpose(g.MatMul(weights, g.RepeatKv(v, d)), 0, 2, 1, 3), 0, 0, d.Heads * d.HeadDim);
        x = g.Add(x, g.Linear(attended, prefix + ".o_proj", d.Heads * d.HeadDim, d.Hidden, bias: false));

        var post = g.RmsNorm(x, prefix + ".post_attention_layernorm", d.Hidden, d.RmsEps);
        var gate = g.Silu(g.Linear(post, prefix + ".mlp.gate_proj", d.Hidden, d.Mlp, bias: false));
        var up = g.Linear(post, prefix + ".mlp.up_proj", d.Hidden, d.Mlp, bias: false);
        x = g.Add(x, g.Linear(g.Mul(gate, up), prefix + ".mlp.down_proj", d.Mlp, d.Hidden, bias: false));
        return (x, k, v);
    }

    /// <summary>Grouped-query attention: each KV head serves Heads/KvHeads query heads.</summary>
    private static string RepeatKv(this OnnxGraphBuilder g, string kv, TransformerDims d)
    {
        var groups = d.Heads / d.KvHeads;
        if (groups == 1)
        {
            return kv;
        }

        var expanded = g.Node("Expand", [g.Unsqueeze(kv, 2), g.Int64Vector(1, 1, groups, 1, 1)]);
        return g.Reshape(expanded, 0, d.Heads, -1, d.HeadDim);
    }

    public static NodeProto WithAttributes(this NodeProto node, params AttributeProto[] attributes)
    {
        node.Attribute.AddRange(attributes);
        return node;
    }
}

/// <summary>Widths of one transformer stack.</summary>
public sealed record TransformerDims(long Hidden, int Layers, long Heads, long KvHeads, long HeadDim, long Mlp, double RopeTheta = 1e6, float RmsEps = 1e-6f);
