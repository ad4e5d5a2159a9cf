using QwenTts.Graphs;
using QwenTts.Engine.Model;

namespace QwenTts.Miniature.Graphs;

/// <summary>
/// tokenizer12hz_decode_chunk with the real decoder's streaming-relevant structure at tiny widths: the 16 codebook
/// embeddings summed, a causal pre-conv (k=3), 8 transformer layers of causal attention over a 72-frame sliding window
/// with RoPE positions restarting at 0 every call, two x2 upsamplers each with a causal k=7 conv, then blocks of rates
/// 8, 5, 4, 3 (transposed conv k=2r, stride r, trimmed causally, and a causal k=7 residual conv) and a final causal k=7
/// conv: 1920 samples a frame and no look-ahead, so chunk seams differ from one pass exactly where the real ones do.
/// Like the real graph (traced at 25 + 300 frames) it refuses calls over 325 frames: its window mask is a 325x325 table.
/// </summary>
public static class CodecDecoderGraph
{
    public const int MaxFrames = 325;
    public const int Window = 72;
    private static readonly long[] Rates = [8, 5, 4, 3];

    public static OnnxGraphBuilder Build(GraphContext c)
    {
        var codec = c.Manifest.Codec;
        var spec = c.Spec.Decoder;
        var g = c.NewGraph(GraphNames.CodecDecodeChunk);
        var codes = g.Input("audio_codes", OnnxGraphBuilder.Int64, 1, "T", codec.Codebooks);
        var contextFrames = g.Input("context_frames", OnnxGraphBuilder.Int64);

        // Row of code k of codebook q in one stacked table: q * 2048 + k.
        var offsets = g.Int64Vector(Enumerable.Range(0, codec.Codebooks).Select(q => (long)q * codec.CodebookSize).ToArray());
        var table = g.Parameter("quantizer.codebooks", 1f, (long)codec.Codebooks * codec.CodebookSize, spec.Hidden);
        var summed = g.Node("ReduceSum", [g.Gather(table, g.Add(codes, offsets)), g.Int64Vector(2)],
            n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("keepdims", 0)));                           // [1,T,W]

        var x = g.Transpose(CausalConv(g, g.Transpose(summed, 0, 2, 1), "pre_conv", spec.Hidden, spec.Hidden, 3), 0, 2, 1);
        var (cos, sin) = g.RopeTables(g.SequencePositions(x, 1), spec.HeadDim, spec.RopeTheta);
        var bias = WindowBias(g, x);
        for (var i = 0; i < spec.Layers; i++)
        {
            (x, _, _) = g.DecoderLayer($"transformer.layers.{i}", x, spec, cos, sin, bias, null, null);
        }

        var channels = g.Transpose(g.RmsNorm(x, "transformer.norm", spec.Hidden), 0, 2, 1);             // [1,W,T]
        var width = spec.Hidden;
        foreach (var (rate, index) in new long[] { 2, 2 }.Select((r, i) => (r, i)))
        {
            channels = Upsample(g, channels, $"upsample.{index}", width, width, rate);
            channels = g.Add(channels, CausalConv(g, g.Silu(channels), $"upsample.{index}.convnext", width, width, 7));
        }

        if (c.Spec.DecoderChannels > 0)
        {
            // The real decoder widens to 1536 channels before its blocks, each of which halves them.
            channels = CausalConv(g, channels, "decoder.input", width, c.Spec.DecoderChannels, 7);
            width = c.Spec.DecoderChannels;
        }

        foreach (var (rate, index) in Rates.Select((r, i) => (r, i)))
        {
            var next = Math.Max(4, width / 2);
            channels = Upsample(g, g.Silu(channels), $"decoder.block.{index}", width, next, rate);
            foreach (var (dilation, unit) in c.Spec.ResidualDilations.Select((d, u) => (d, u)))
            {
                var name = $"decoder.block.{index}.residual" + (unit == 0 ? "" : $".{unit}");
                channels = g.Add(channels, CausalConv(g, g.Silu(channels), name, next, next, 7, dilation));
            }

            width = next;
        }

        var samples = g.Tanh(CausalConv(g, g.Silu(channels), "decoder.final", width, 1, 7));            // [1,1,T*1920]
        var waveform = g.Reshape(samples, 1, -1);
        var start = g.Unsqueeze(g.Mul(contextFrames, g.Int64Scalar(codec.SamplesPerFrame)), 0);
        var fresh = g.Node("Slice", [waveform, start, g.Int64Vector(long.MaxValue), g.Int64Vector(1)]);
        c.FloatOutput(g, fresh, "audio_values", 1, "N");
        // The export writes lengths as [1,1].
        g.Output(g.Unsqueeze(g.Slice(g.Node("Shape", [fresh]), 1, 2, 0), 0), "lengths", OnnxGraphBuilder.Int64, 1, 1);
        return g;
    }

    /// <summary>Additive bias [T,T]: 0 where 0 &lt;= i - j &lt; 72, -1e9 elsewhere; cut from a 325x325 table, so longer calls fail.</summary>
    private static string WindowBias(OnnxGraphBuilder g, string x)
    {
        var table = new float[MaxFrames * MaxFrames];
        for (var i = 0; i < MaxFrames; i++)
        {
            for (var j = 0; j < MaxFrames; j++)
            {
                table[(i * MaxFrames) + j] = j <= i && i - j < Window ? 0f : -1e9f;
            }
        }

        var length = g.Unsqueeze(g.DimSize(x, 1), 0);
        var full = g.Weight("transformer.window_bias", table, MaxFrames, MaxFrames);
        var rows = g.Node("Slice", [full, g.Int64Vector(0), length, g.Int64Vector(0)]);
        return g.Node("Slice", [rows, g.Int64Vector(0), length, g.Int64Vector(1)]);
    }

    /// <summary>Conv1d over [1,C,L] padded on the left only (no look-ahead).</summary>
    private static string CausalConv(OnnxGraphBuilder g, string x, string name, long inputs, long outputs, long kernel, long dilation = 1)
    {
        var padded = g.Node("Pad", [x, g.Int64Vector(0, 0, (kernel - 1) * dilation, 0, 0, 0)]);
        return g.Node("Conv", [padded, g.Parameter(name + ".weight", 1f / MathF.Sqrt(inputs * kernel), outputs, inputs, kernel),
            g.Parameter(name + ".bias", 0.02f, outputs)], dilation == 1 ? null : n => n.Attribute.Add(OnnxGraphBuilder.IntsAttribute("dilations", dilation)));
    }

    /// <summary>Transposed conv k=2r, stride r: (L+1)·r samples, of which the last r are cut (causal trim).</summary>
    private static string Upsample(OnnxGraphBuilder g, string x, string name, long inputs, long outputs, long rate)
    {
        var kernel = 2 * rate;
        var up = g.Node("ConvTranspose", [x, g.Parameter(name + ".weight", 1f / MathF.Sqrt(inputs * 2), inputs, outputs, kernel),
            g.Parameter(name + ".bias", 0.02f, outputs)], n => n.Attribute.Add(OnnxGraphBuilder.IntsAttribute("strides", rate)));
        var keep = g.Unsqueeze(g.Mul(g.DimSize(x, 2), g.Int64Scalar(rate)), 0);
        return g.Node("Slice", [up, g.Int64Vector(0), keep, g.Int64Vector(2)]);
    }
}
