namespace QwenTts.Miniature;

/// <summary>
/// Widths of one miniature. The real 1.7B talker is hidden 2048, 28 layers, 16 heads / 8 KV heads of 128, MLP
/// 6144; the code predictor 1024 wide, 5 layers. The miniatures keep every structural part at tiny widths.
/// </summary>
public sealed record MiniatureSpec(
    string Size,
    TransformerDims Talker,
    TransformerDims CodePredictor,
    long TextHidden,
    long DecoderWidth,
    long DecoderKernel,
    long SpeakerWidth)
{
    public static MiniatureSpec Tiny { get; } = new(
        "tiny",
        Talker: new TransformerDims(Hidden: 64, Layers: 2, Heads: 4, KvHeads: 2, HeadDim: 16, Mlp: 128),
        CodePredictor: new TransformerDims(Hidden: 32, Layers: 1, Heads: 2, KvHeads: 1, HeadDim: 16, Mlp: 64),
        TextHidden: 32,
        DecoderWidth: 32,
        DecoderKernel: 3,
        SpeakerWidth: 32);

    public static MiniatureSpec Small { get; } = new(
        "small",
        Talker: new TransformerDims(Hidden: 256, Layers: 4, Heads: 8, KvHeads: 4, HeadDim: 32, Mlp: 768),
        CodePredictor: new TransformerDims(Hidden: 128, Layers: 2, Heads: 4, KvHeads: 2, HeadDim: 32, Mlp: 384),
        TextHidden: 64,
        DecoderWidth: 128,
        DecoderKernel: 3,
        SpeakerWidth: 64);

    public static MiniatureSpec Named(string size) => size switch
    {
        "tiny" => Tiny,
        "small" => Small,
        _ => throw new ArgumentException($"Unknown miniature size '{size}': use tiny or small."),
    };
}
