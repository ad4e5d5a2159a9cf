using QwenTts.Graphs;

namespace QwenTts.Miniature;

/// <summary>
/// Widths of one miniature. The real 1.7B talker is hidden 2048, 28 layers, 16 heads / 8 KV heads of 128, MLP
/// 6144; the code predictor 1024 wide, 5 layers; the codec decoder 8 layers of 512 over a 72-frame window. The
/// miniatures keep every structural part (and the decoder's layer count and window) at tiny widths.
/// </summary>
public sealed record MiniatureSpec(
    string Size,
    TransformerDims Talker,
    TransformerDims CodePredictor,
    long TextHidden,
    TransformerDims Decoder,
    long SpeakerWidth)
{
    public static MiniatureSpec Tiny { get; } = new(
        "tiny",
        Talker: new TransformerDims(Hidden: 64, Layers: 2, Heads: 4, KvHeads: 2, HeadDim: 16, Mlp: 128),
        CodePredictor: new TransformerDims(Hidden: 32, Layers: 1, Heads: 2, KvHeads: 1, HeadDim: 16, Mlp: 64),
        TextHidden: 32,
        Decoder: new TransformerDims(Hidden: 16, Layers: 8, Heads: 2, KvHeads: 2, HeadDim: 8, Mlp: 32, RopeTheta: 10000),
        SpeakerWidth: 32);

    public static MiniatureSpec Small { get; } = new(
        "small",
        Talker: new TransformerDims(Hidden: 256, Layers: 4, Heads: 8, KvHeads: 4, HeadDim: 32, Mlp: 768),
        CodePredictor: new TransformerDims(Hidden: 128, Layers: 2, Heads: 4, KvHeads: 2, HeadDim: 32, Mlp: 384),
        TextHidden: 64,
        Decoder: new TransformerDims(Hidden: 32, Layers: 8, Heads: 4, KvHeads: 4, HeadDim: 8, Mlp: 64, RopeTheta: 10000),
        SpeakerWidth: 64);

    public static MiniatureSpec Named(string size) => size switch
    {
        "tiny" => Tiny,
        "small" => Small,
        _ => throw new ArgumentException($"Unknown miniature size '{size}': use tiny or small."),
    };
}
