namespace QwenTts.Engine.Model;

/// <summary>
/// Element type a tensor must have: an exact type, the graph's float type (fp16 or fp32, the same for every such
/// tensor of the graph), or either float type on its own.
/// </summary>
public enum ElementKind
{
    Int64,
    ModelFloat,
    AnyFloat,
}

/// <summary>
/// One tensor of a graph's interface. Dims: a positive number must match exactly; 0 marks a dimension that varies
/// (sequence length, cache length). An empty dims list is a scalar. <paramref name="AlsoDims"/>: another shape the
/// export is known to write (tokenizer12hz_decode_chunk's lengths is [1,1] where the contract says [1]).
/// </summary>
public sealed record TensorContract(string Name, ElementKind Kind, IReadOnlyList<long> Dims, IReadOnlyList<long>? AlsoDims = null);

public sealed record GraphContract(string Graph, IReadOnlyList<TensorContract> Inputs, IReadOnlyList<TensorContract> Outputs)
{
    private const long Varies = 0;

    /// <summary>The interface of every graph, as the public export defines it, with this model's widths filled in.</summary>
    public static IReadOnlyList<GraphContract> For(ModelManifest manifest)
    {
        var t = manifest.Talker;
        var c = manifest.Codec;
        long h = t.Hidden, kv = t.KvHeads, d = t.HeadDim, vocab = t.CodecVocab;
        var cache = Enumerable.Range(0, t.Layers).SelectMany(i => new[] { $"past_key_{i}", $"past_value_{i}" }).ToArray();
        TensorContract Cache(string name) => new(name, ElementKind.ModelFloat, [1, kv, Varies, d]);

        return
        [
            new(GraphNames.TextProject,
                [new("input_ids", ElementKind.Int64, [1, Varies])],
                [new("text_embed", ElementKind.ModelFloat, [1, Varies, h])]),
            new(GraphNames.CodecEmbed,
                [new("token_ids", ElementKind.Int64, [1, Varies])],
                [new("embed", ElementKind.ModelFloat, [1, Varies, h])]),
            new(GraphNames.CodePredictorEmbed,
                [new("token_id", ElementKind.Int64, [1, Varies]), new("layer_idx", ElementKind.Int64, [])],
                [new("embed", ElementKind.ModelFloat, [1, Varies, h])]),
            new(GraphNames.TalkerPrefill,
                [new("inputs_embeds", ElementKind.ModelFloat, [1, Varies, h]), new("attention_mask", ElementKind.Int64, [1, Varies])],
                [
                    new("logits", ElementKind.ModelFloat, [1, 1, vocab]),
                    new("last_hidden", ElementKind.ModelFloat, [1, Varies, h]),
                    .. cache.Select(Cache),
                ]),
            new(GraphNames.TalkerDecode,
                [
                    new("inputs_embeds", ElementKind.ModelFloat, [1, 1, h]),
                    new("attention_mask", ElementKind.Int64, [1, Varies]),
                    new("cache_position", ElementKind.Int64, [1]),
                    .. cache.Select(Cache),
                ],
                [
                    new("logits", ElementKind.ModelFloat, [1, 1, vocab]),
                    new("last_hidden", ElementKind.ModelFloat, [1, 1, h]),
                    .. cache.Select(name => Cache("new_" + name)),
                ]),
            new(GraphNames.CodePredictor,
                [new("context", ElementKind.ModelFloat, [1, Varies, h]), new("gen_step", ElementKind.Int64, [])],
                [new("logits", ElementKind.ModelFloat, [1, 1, c.CodebookSize])]),
            new(GraphNames.SpeakerEncoder,
                [new("mel", ElementKind.AnyFloat, [1, Varies, c.MelBins])],
                [new("speaker_embedding", ElementKind.AnyFloat, [1, h])]),
            new(GraphNames.CodecEncode,
                [new("audio", ElementKind.AnyFloat, [1, Varies])],
                [new("codes", ElementKind.Int64, [1, Varies, c.Codebooks])]),
            new(GraphNames.CodecDecodeChunk,
                [new("audio_codes", ElementKind.Int64, [1, Varies, c.Codebooks]), new("context_frames", ElementKind.Int64, [])],
                [new("audio_values", ElementKind.AnyFloat, [1, Varies]), new("lengths", ElementKind.Int64, [1], AlsoDims: [1, 1])]),
        ];
    }
}
