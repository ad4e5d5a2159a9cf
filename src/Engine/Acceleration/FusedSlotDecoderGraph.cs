using QwenTts.Graphs;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// <see cref="SlotDecoderGraph"/> (same inputs, outputs and slot semantics) in about a third of the nodes, for ONNX
/// Runtime's CPU provider, where a run of a small step costs about 2 µs a node whatever its arithmetic. Per layer:
/// - q and k come out of one MatMul and are normalised together (one SimplifiedLayerNormalization with unit scale,
///   then one Mul by the q_norm / k_norm weights laid out per head);
/// - RoPE is GroupQueryAttention's own (do_rotary, non-interleaved: rotate_half) where it takes the head size, else one
///   MatMul by a [D, D] matrix per row position (cos on the diagonal, ±sin where rotate_half puts them), made once per
///   run for all layers: the same two products per element as x·cos + rotate_half(x)·sin;
/// - GroupQueryAttention (com.microsoft) takes the packed q, k, v and the slot cache: seqlens_k = position + rows - 1
///   writes the rows' K/V into their slots and attends to slots 0..position, as the plain graph's scatter and mask do.
///   Bound to the same buffer as input and output, the cache is written in place (no copy of the cache per run);
/// - SkipSimplifiedLayerNormalization adds each residual and normalises for the next block in one node;
/// - the predictor's head for the gen_step is an input, bound per run to the host's copy of that head, where the
///   standard form gathers it out of all 15 (a copy of a whole head every run), and it takes any number of rows from
///   slot 0, so a frame's talker row and c0 row go in one run. The batched predictor ends at its last hidden state:
///   its heads are constants of their own graphs (<see cref="PredictorHeads"/>).
/// The GPU providers keep the plain graph: their GroupQueryAttention kernels take fp16 only, and NPU compilers want
/// standard operators. The result is checked against the export like the plain graph, so a wrong fusion falls back.
/// </summary>
public static class FusedSlotDecoderGraph
{
    /// <summary>
    /// GroupQueryAttention on the CPU needs head sizes that are multiples of 8, and rows that start at slot 0 or come
    /// one at a time (the engine's prefill starts at 0; decode and predictor steps are one row).
    /// </summary>
    public static bool Supports(SlotDecoderSpec spec) => spec.Dims.HeadDim % 8 == 0 && (spec.StackedHeads ? spec.Slots is not null : spec.AllRows);

    /// <summary>The predictor's input for its gen_step's head, [hidden, vocab] (bound per run, never copied).</summary>
    public const string HeadInput = "lm_head";

    /// <summary>The batched talker's input: each row's position (its utterance's length so far), [B].</summary>
    public const string PositionsInput = "positions";

    /// <summary>
    /// Auto: GroupQueryAttention's own rotary (do_rotary, cos/sin caches) where it takes the head size (a multiple of
    /// 16: the real model's 128), else a rotation matrix per row (the proportional miniature's head size of 8).
    /// </summary>
    public enum Rope { Auto, Matrix }

    /// <summary>Positions the talker's rotary caches cover (the model's max_position_embeddings); a longer utterance fails clearly.</summary>
    public const int MaxTalkerPositions = 32768;

    /// <param name="batched">
    /// A batch axis B first: the talker takes one row per utterance at its own position (<c>positions</c> [B]), the
    /// predictor R rows per utterance all at one position (its 15 steps run in lock-step); each utterance's cache is its
    /// row of a [B, kv, slots, d] cache. A row's result must not depend on its neighbours: the engine proves it at load.
    /// </param>
    public static OnnxGraphBuilder Build(SlotDecoderSpec spec, WeightSource weights, bool inline, Rope rope = Rope.Auto, string? directory = null,
        bool batched = false)
    {
        if (!Supports(spec))
        {
            throw new ArgumentException($"{spec.Name} cannot take the fused form (head size a multiple of 8; fixed slots for the predictor).", nameof(spec));
        }

        var d = spec.Dims;
        object slotsDim = spec.Slots is { } fixedSlots ? fixedSlots : "C";
        const string rowsDim = "R"; // the predictor takes a frame's first two rows in one run (GroupQueryAttention's prompt case)
        var g = new OnnxGraphBuilder(spec.Name, weights, inline, directory)
        {
            DocString = $"QwenTts: {spec.Name}, a slot-cache decoder built from the checkpoint (fused for the CPU).",
            Compact = true,
        };
        object batchDim = batched ? "B" : 1;
        var perRowPositions = batched && !spec.StackedHeads; // the batched talker: one row per utterance, each at its own position
        var rows = g.Input("rows", OnnxGraphBuilder.Float, batchDim, perRowPositions ? 1 : rowsDim, spec.InputWidth);
        var position = perRowPositions ? g.Input(PositionsInput, OnnxGraphBuilder.Int64, batchDim) : g.Input("position", OnnxGraphBuilder.Int64, 1);
        var head = !spec.StackedHeads ? null
            : batched ? "" // the batched predictor gives its last hidden state; its heads are PredictorHeads
            : g.Input(HeadInput, OnnxGraphBuilder.Float, spec.Dims.Hidden, spec.Vocab);
        var past = Enumerable.Range(0, d.Layers)
            .Select(i => (Keys: g.Input($"past_key_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim),
                          Values: g.Input($"past_value_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim)))
            .ToArray();

        var x = spec.Projection is { } projection ? g.Linear(rows, projection, spec.InputWidth, d.Hidden, bias: true) : rows;
        var positions = perRowPositions ? position : g.Add(g.Node("Range", [g.Int64Scalar(0), g.DimSize(x, 1), g.Int64Scalar(1)]), position); // [B] or [R]
        var total = perRowPositions
            ? g.Add(g.Node("ReduceMax", [positions], n => n.WithAttributes(OnnxGraphBuilder.IntAttribute("keepdims", 0))), g.Int64Scalar(1))
            : g.Add(g.Slice(positions, -1, long.MaxValue, 0), g.Int64Scalar(1));
        var inAttention = rope == Rope.Auto && d.HeadDim % 16 == 0;
        string[] rotary = [];
        string? rotation = null;
        if (inAttention)
        {
            var (cos, sin) = RotaryCaches(spec.Slots ?? MaxTalkerPositions, d.HeadDim, d.RopeTheta);
            rotary = [g.Weight("rope.cos_cache", cos, cos.Length / (d.HeadDim / 2), d.HeadDim / 2), g.Weight("rope.sin_cache", sin, sin.Length / (d.HeadDim / 2), d.HeadDim / 2)];
        }
        else
        {
            rotation = spec.Slots is { } slots
                ? g.Gather(g.Weight("rope.rotation", RotationTable(slots, d.HeadDim, d.RopeTheta), slots, d.HeadDim, d.HeadDim), positions)
                : Rotations(g, positions, d);
        }

        var seqlens = perRowPositions
            ? g.Cast(positions, Int32)                                                   // each row's own slot
            : g.Cast(g.Sub(total, g.Int64Scalar(1)), Int32);                             // index of the last row's slot
        if (batched && !perRowPositions)
        {
            seqlens = g.Node("Expand", [seqlens, g.Unsqueeze(g.DimSize(x, 0), 0)]);     // every utterance at the same step
        }

        var totalLength = g.Cast(total, Int32);                                          // slots attended by the last row
        if (batched && rotation is not null)
        {
            // [B, 1, D, D] against [B, 1, heads, D] (talker), or [R, D, D] against [B, R, heads, D] (predictor).
            rotation = perRowPositions ? g.Unsqueeze(rotation, 1) : rotation;
        }
        var normed = g.RmsNorm(x, "layers.0.input_layernorm", d.Hidden, d.RmsEps);
        for (var i = 0; i < d.Layers; i++)
        {
            var prefix = $"layers.{i}";
            var heads = d.Heads + d.KvHeads;
            var qk = g.MatMul(normed, g.Weight(prefix + ".qk_proj.weight",
                ConcatColumns(Read(weights, prefix + ".q_proj.weight", d.Hidden, d.Heads * d.HeadDim), Read(weights, prefix + ".k_proj.weight", d.Hidden, d.KvHeads * d.HeadDim), d.Hidden),
                d.Hidden, heads * d.HeadDim));
            var perHead = g.Node("SimplifiedLayerNormalization", [batched ? g.Reshape(qk, 0, 0, heads, d.HeadDim) : g.Reshape(qk, -1, heads, d.HeadDim),
                    g.Weight(prefix + ".qk_norm.unit", Ones(d.HeadDim), d.HeadDim)],
                n => n.WithAttributes(OnnxGraphBuilder.IntAttribute("axis", -1), OnnxGraphBuilder.FloatAttribute("epsilon", d.RmsEps)));
            var scaled = g.Mul(perHead, g.Weight(prefix + ".qk_norm.weight",
                HeadScales(Read(weights, prefix + ".q_norm.weight", d.HeadDim), d.Heads, Read(weights, prefix + ".k_norm.weight", d.HeadDim), d.KvHeads), heads, d.HeadDim));
            var rotated = batched
                ? g.Reshape(rotation is null ? scaled : g.MatMul(scaled, rotation), 0, 0, heads * d.HeadDim)
                : g.Reshape(rotation is null ? scaled : g.MatMul(scaled, rotation), 1, -1, heads * d.HeadDim); // one matrix per row
            var v = g.Linear(normed, prefix + ".v_proj", d.Hidden, d.KvHeads * d.HeadDim, bias: false);
            var attention = g.MicrosoftNode("GroupQueryAttention",
                [g.Concat(2, rotated, v), "", "", past[i].Keys, past[i].Values, seqlens, totalLength, .. rotary], 3,
                n => n.WithAttributes(OnnxGraphBuilder.IntAttribute("num_heads", d.Heads), OnnxGraphBuilder.IntAttribute("kv_num_heads", d.KvHeads),
                    OnnxGraphBuilder.IntAttribute("do_rotary", inAttention ? 1 : 0), OnnxGraphBuilder.IntAttribute("rotary_interleaved", 0)));
            g.Output(attention[1], $"present_key_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim);
            g.Output(attention[2], $"present_value_{i}", OnnxGraphBuilder.Float, batchDim, d.KvHeads, slotsDim, d.HeadDim);

            var attended = g.Linear(attention[0], prefix + ".o_proj", d.Heads * d.HeadDim, d.Hidden, bias: false);
            (var post, x) = SkipNorm(g, x, attended, prefix + ".post_attention_layernorm", d);
            var gate = g.Silu(g.Linear(post, prefix + ".mlp.gate_proj", d.Hidden, d.Mlp, bias: false));
            var up = g.Linear(post, prefix + ".mlp.up_proj", d.Hidden, d.Mlp, bias: false);
            var down = g.Linear(g.Mul(gate, up), prefix + ".mlp.down_proj", d.Mlp, d.Hidden, bias: false);
            (normed, x) = SkipNorm(g, x, down, i + 1 < d.Layers ? $"layers.{i + 1}.input_layernorm" : "norm", d);
        }

        if (head is not null)
        {
            var last = g.Slice(normed, -1, long.MaxValue, 1);
            if (batched)
            {
                // The head is not here: each gen_step's is a constant of its own small graph (PredictorHeads), prepacked once.
                g.Output(last, PredictorHeads.InputName, OnnxGraphBuilder.Float, batchDim, 1, spec.Dims.Hidden);
                return g;
            }

            g.Output(g.MatMul(last, head), "logits", OnnxGraphBuilder.Float, batchDim, 1, spec.Vocab);
            return g;
        }

        SlotDecoderGraph.TalkerOutputs(g, spec, normed, perRowPositions ? 1 : rowsDim, batchDim);
        return g;
    }

    /// <summary>
    /// The rotation matrices [R, D, D] of the rows' positions: cos(p·f) on the diagonal, -sin / +sin where
    /// rotate_half takes each element from, with the angles from the plain graph's RoPE tables.
    /// </summary>
    private static string Rotations(OnnxGraphBuilder g, string positions, Graphs.TransformerDims d)
    {
        var (cos, sin) = g.RopeTables(g.Cast(positions, OnnxGraphBuilder.Float), d.HeadDim, d.RopeTheta);   // [R, D]
        var (identity, halfTurn) = (new float[d.HeadDim * d.HeadDim], new float[d.HeadDim * d.HeadDim]);
        var half = (int)d.HeadDim / 2;
        for (var j = 0; j < d.HeadDim; j++)
        {
            identity[(j * d.HeadDim) + j] = 1;
        }

        for (var j = 0; j < half; j++)
        {
            halfTurn[((j + half) * d.HeadDim) + j] = -1;   // out[j] takes -x[j + half]·sin
            halfTurn[(j * d.HeadDim) + j + half] = 1;      // out[j + half] takes x[j]·sin
        }

        var diagonal = g.Mul(g.Unsqueeze(cos, 1), g.Weight("rope.identity", identity, d.HeadDim, d.HeadDim));   // [R, D, D]
        var crossed = g.Mul(g.Unsqueeze(sin, 1), g.Weight("rope.half_turn", halfTurn, d.HeadDim, d.HeadDim));
        return g.Add(diagonal, crossed);
    }

    private const int Int32 = 6;

    /// <summary>norm(x + added) and x + added, in one SkipSimplifiedLayerNormalization.</summary>
    private static (string Normed, string Sum) SkipNorm(OnnxGraphBuilder g, string x, string added, string norm, Graphs.TransformerDims d)
    {
        var outputs = g.MicrosoftNode("SkipSimplifiedLayerNormalization", [x, added, g.OnesParameter(norm + ".weight", d.Hidden)], 4,
            n => n.WithAttributes(OnnxGraphBuilder.FloatAttribute("epsilon", d.RmsEps)), 1, 2);
        return (outputs[0], outputs[3]);
    }

    private static float[] Read(WeightSource weights, string name, params long[] dims) => weights(name, dims, WeightInit.Normal, 1f);

    private static float[] Ones(long length) => Enumerable.Repeat(1f, (int)length).ToArray();

    /// <summary>Two [rows, a] and [rows, b] matrices side by side: [rows, a + b].</summary>
    private static float[] ConcatColumns(float[] left, float[] right, long rows)
    {
        var (a, b) = (left.Length / (int)rows, right.Length / (int)rows);
        var joined = new float[left.Length + right.Length];
        for (var r = 0; r < rows; r++)
        {
            left.AsSpan(r * a, a).CopyTo(joined.AsSpan(r * (a + b)));
            right.AsSpan(r * b, b).CopyTo(joined.AsSpan((r * (a + b)) + a));
        }

        return joined;
    }

    /// <summary>The q_norm weight for each of the q heads, then the k_norm weight for each k head: [heads, D].</summary>
    private static float[] HeadScales(float[] q, long qHeads, float[] k, long kHeads) =>
        [.. Enumerable.Repeat(q, (int)qHeads).SelectMany(w => w), .. Enumerable.Repeat(k, (int)kHeads).SelectMany(w => w)];

    /// <summary>cos(p·f) and sin(p·f) [positions, D/2], the angles in single precision as the RoPE tables compute them.</summary>
    private static (float[] Cos, float[] Sin) RotaryCaches(int positions, long headDim, double theta)
    {
        var inverse = GraphOps.InverseFrequencies(headDim, theta);
        var half = inverse.Length;
        var (cos, sin) = (new float[positions * half], new float[positions * half]);
        for (var p = 0; p < positions; p++)
        {
            for (var j = 0; j < half; j++)
            {
                var angle = (float)p * inverse[j];
                (cos[(p * half) + j], sin[(p * half) + j]) = (MathF.Cos(angle), MathF.Sin(angle));
            }
        }

        return (cos, sin);
    }

    /// <summary>
    /// For each position p, the [D, D] matrix R with x·R = x·cos(p·f) + rotate_half(x)·sin(p·f), rotate_half(x) =
    /// [-x2, x1]; angles p·f in single precision, as the plain graph's RoPE tables compute them.
    /// </summary>
    public static float[] RotationTable(int positions, long headDim, double theta)
    {
        var inverse = GraphOps.InverseFrequencies(headDim, theta);
        var half = inverse.Length;
        var table = new float[positions * headDim * headDim];
        for (var p = 0; p < positions; p++)
        {
            var matrix = table.AsSpan((int)(p * headDim * headDim), (int)(headDim * headDim));
            for (var j = 0; j < half; j++)
            {
                var angle = (float)p * inverse[j];
                var (cos, sin) = (MathF.Cos(angle), MathF.Sin(angle));
                // out[j] = x[j]·cos - x[j+half]·sin; out[j+half] = x[j+half]·cos + x[j]·sin
                matrix[(j * (int)headDim) + j] = cos;
                matrix[((j + half) * (int)headDim) + j] = -sin;
                matrix[((j + half) * (int)headDim) + j + half] = cos;
                matrix[(j * (int)headDim) + j + half] = sin;
            }
        }

        return table;
    }
}
