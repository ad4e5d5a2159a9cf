using QwenTts.Engine.Model;
using QwenTts.Graphs;

namespace QwenTts.Engine.Acceleration;

/// <summary>What a slot-cache decoder graph is: its transformer, input projection, head and fixed or varying sizes.</summary>
/// <param name="Projection">Linear from the input width to the transformer's, or null (the talker; the 0.6B predictor).</param>
/// <param name="StackedHeads">True: one head per codebook chosen by gen_step (predictor); false: one head (talker codec_head).</param>
/// <param name="Slots">Fixed cache slots, or null for a varying capacity (one compiled shape per capacity).</param>
/// <param name="Rows">Fixed rows a run, or null (prefill many, decode one).</param>
/// <param name="AllRows">Logits and post-norm hidden of every row (talker), or logits of the last row only (predictor).</param>
public sealed record SlotDecoderSpec(string Name, TransformerDims Dims, long InputWidth, string? Projection, bool StackedHeads,
    int Heads, long Vocab, int? Slots, int? Rows, bool AllRows, bool HeadBias);

/// <summary>
/// A Qwen3 decoder whose KV cache is a fixed number of slots, built from a checkpoint's weights: R rows in at positions
/// p..p+R-1 (an input), their K/V written into those slots (ScatterElements: the values are copied, not recomputed;
/// padding rows past the last slot land on it and stay masked until a real row overwrites it), slots after each row's
/// position masked out. The cache goes in and comes out at the same shape, so a run never changes shape:
/// fit for CUDA graphs and NPU graph compilation, and the output cache can be fed back as the next input on the card.
/// RoPE, masks and positions are explicit inputs, which the export's graphs do not allow (their causal mask is tied
/// to cache_position and the cache length).
/// </summary>
public static class SlotDecoderGraph
{
    /// <param name="halfMatMuls">For an fp16 export: weight matrices in fp16, multiplied in fp16 (half the bytes on the card).</param>
    /// <param name="batched">
    /// A batch axis B first, as <see cref="FusedSlotDecoderGraph"/>'s batched form takes it (same inputs and outputs): the
    /// talker R rows per utterance, each utterance from its own position (<c>positions</c> [B]: one row each for a decode
    /// step, a whole prompt for a prefill); the predictor R rows per utterance all from one position, ending at its last
    /// hidden state (its heads are <see cref="PredictorHeads"/>). Each utterance's cache is its row of a
    /// [B, kv, slots, d] cache, and a row's mask, RoPE and cache write follow its own position.
    /// </param>
    public static OnnxGraphBuilder Build(SlotDecoderSpec spec, WeightSource weights, bool inline, string? directory = null, bool halfMatMuls = false,
        bool batched = false)
    {
        var d = spec.Dims;
        object slotsDim = spec.Slots is { } fixedSlots ? fixedSlots : "C";
        var perRow = batched && !spec.StackedHeads; // the batched talker: each utterance from its own position
        object rowsDim = spec.Rows is { } fixedRows && !batched ? fixedRows : "R";
        object batchDim = batched ? "B" : 1;
        var g = new OnnxGraphBuilder(spec.Name, weights, inline, directory)
        {
            DocString = $"QwenTts: {spec.Name}, a slot-cache decoder built from the checkpoint.",
            Compact = true,
            HalfMatMuls = halfMatMuls,
        };
        var rows = g.Input("rows", OnnxGraphBuilder.Float, batchDim, rowsDim, spec.InputWidth);
        var start = perRow ? g.Input(FusedSlotDecoderGraph.PositionsInput, OnnxGraphBuilder.Int64, batchDim) : g.Input("position", OnnxGraphBuilder.Int64, 1);
        var step = spec.StackedHeads && !batched ? g.Input("gen_step", OnnxGraphBuilder.Int64) : null;
        var past = Enumerable.Range(0, d.Layers)
            .Select(i => (Keys: g.Input($"past_key_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim),
                          Values: g.Input($"past_value_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim)))
            .ToArray();

        // Every row's position, [N, R]: N = B when each utterance starts at its own position, else 1 (all at one).
        var x = spec.Projection is { } projection ? g.Linear(rows, projection, spec.InputWidth, d.Hidden, bias: true) : rows;
        var rowCount = g.DimSize(x, 1);
        var offsets = g.Unsqueeze(g.Node("Range", [g.Int64Scalar(0), rowCount, g.Int64Scalar(1)]), 0);         // [1,R]
        var positions = g.Add(perRow ? g.Unsqueeze(start, 1) : start, offsets);                                // [N,R]
        var (cos, sin) = g.RopeTables(g.Cast(g.Reshape(positions, -1), OnnxGraphBuilder.Float), d.HeadDim, d.RopeTheta);
        var ropeShape = g.Concat(0, g.Int64Vector(-1, 1), g.Unsqueeze(rowCount, 0), g.Int64Vector(d.HeadDim));
        (cos, sin) = (g.Node("Reshape", [cos, ropeShape]), g.Node("Reshape", [sin, ropeShape]));               // [N,1,R,D]
        var capacity = g.DimSize(past[0].Keys, 2);
        var slots = g.Node("Range", [g.Int64Scalar(0), capacity, g.Int64Scalar(1)]);                          // [C]
        var later = g.Cast(g.Node("Greater", [g.Unsqueeze(slots, 0, 1), g.Unsqueeze(positions, 2)]), OnnxGraphBuilder.Float); // [N,R,C]
        var bias = g.Unsqueeze(g.Mul(later, g.FloatScalar(-1e9f)), 1);                                        // [N,1,R,C]
        var lastSlot = g.Sub(capacity, g.Int64Scalar(1));
        var batchCount = batched ? g.Unsqueeze(g.DimSize(x, 0), 0) : g.Int64Vector(1);
        var targets = g.Node("Expand", [g.Unsqueeze(g.Node("Min", [positions, lastSlot]), 1, 3),
            g.Concat(0, batchCount, g.Int64Vector(d.KvHeads), g.Unsqueeze(rowCount, 0), g.Int64Vector(d.HeadDim))]); // [B,kv,R,d]
        string Write(string cache, string rowsKv) => g.Node("ScatterElements", [cache, targets, rowsKv],
            n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("axis", 2)));

        for (var i = 0; i < d.Layers; i++)
        {
            var layer = past[i];
            (x, var keys, var values) = g.DecoderLayer($"layers.{i}", x, d, cos, sin, bias, null, null,
                (k, v) => (Write(layer.Keys, k), Write(layer.Values, v)));
            g.Output(keys, $"present_key_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim);
            g.Output(values, $"present_value_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim);
        }

        var normed = g.RmsNorm(x, "norm", d.Hidden, d.RmsEps);
        if (spec.StackedHeads)
        {
            var last = g.Slice(normed, -1, long.MaxValue, 1);
            if (batched)
            {
                g.Output(last, PredictorHeads.InputName, OnnxGraphBuilder.Float, batchDim, 1, d.Hidden);
                return g;
            }

            var logits = halfMatMuls
                ? g.Cast(g.MatMul(g.Cast(last, OnnxGraphBuilder.Float16), g.Gather(g.HalfParameter(OfficialWeights.StackedHeads, 1f, spec.Heads, d.Hidden, spec.Vocab), step!)), OnnxGraphBuilder.Float)
                : g.MatMul(last, g.Gather(g.Parameter(OfficialWeights.StackedHeads, 1f, spec.Heads, d.Hidden, spec.Vocab), step!));
            g.Output(logits, "logits", OnnxGraphBuilder.Float, 1, 1, spec.Vocab);
            return g;
        }

        TalkerOutputs(g, spec, normed, rowsDim, batchDim);
        return g;
    }

    /// <summary>The talker's outputs from its final norm: codec_head logits (with the miniature's bias) and the hidden state, every row.</summary>
    internal static void TalkerOutputs(OnnxGraphBuilder g, SlotDecoderSpec spec, string normed, object rowsDim, object? batchDim = null)
    {
        batchDim ??= 1;
        var logits = g.WeightMatMul(normed, "codec_head.weight", 1f, spec.Dims.Hidden, spec.Vocab);
        if (spec.HeadBias)
        {
            logits = g.Add(logits, g.Parameter("codec_head.bias", 0f, spec.Vocab));
        }

        g.Output(logits, "logits", OnnxGraphBuilder.Float, batchDim, rowsDim, spec.Vocab);
        g.Output(normed, "last_hidden", OnnxGraphBuilder.Float, batchDim, rowsDim, spec.Dims.Hidden);
    }

    /// <summary>The code predictor step: one row, 16 slots, lm_head[gen_step] on it.</summary>
    public static SlotDecoderSpec Predictor(ModelManifest manifest)
    {
        var shape = manifest.CodePredictor ?? throw new ModelValidationException("config.json has no code_predictor_config: the cached predictor cannot be built.");
        return new SlotDecoderSpec(PredictorName, Dims(shape.Hidden, shape.Layers, shape.Heads, shape.KvHeads, shape.HeadDim, shape.Mlp, shape.RopeTheta, shape.RmsEps),
            manifest.Talker.Hidden, shape.Hidden == manifest.Talker.Hidden ? null : "small_to_mtp_projection", StackedHeads: true,
            manifest.Codec.Codebooks - 1, manifest.Codec.CodebookSize, Slots: PredictorSlots, Rows: 1, AllRows: false, HeadBias: false);
    }

    /// <summary>The talker at static shapes: any rows (padded prefill, one-row decode) over a cache of a chosen capacity.</summary>
    public static SlotDecoderSpec Talker(ModelManifest manifest, bool headBias)
    {
        var t = manifest.Talker;
        var shape = manifest.TalkerDecoder ?? throw new ModelValidationException("config.json lacks the talker's attention widths.");
        return new SlotDecoderSpec(TalkerName, Dims(t.Hidden, t.Layers, shape.Heads, t.KvHeads, t.HeadDim, shape.Mlp, shape.RopeTheta, shape.RmsEps),
            t.Hidden, Projection: null, StackedHeads: false, 1, t.CodecVocab, Slots: null, Rows: null, AllRows: true, HeadBias: headBias);
    }

    public const string PredictorName = "code_predictor_cached";
    public const string TalkerName = "talker_step";
    public const int PredictorSlots = 16;

    private static TransformerDims Dims(long hidden, int layers, long heads, long kvHeads, long headDim, long mlp, double theta, float eps) =>
        new(hidden, layers, heads, kvHeads, headDim, mlp, theta, eps);
}
