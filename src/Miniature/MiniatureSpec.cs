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
    long SpeakerWidth,
    StoppingCircuit.Settings Stopping)
{
    public static MiniatureSpec Tiny { get; } = new(
        "tiny",
        Talker: new TransformerDims(Hidden: 64, Layers: 2, Heads: 4, KvHeads: 2, HeadDim: 16, Mlp: 128),
        CodePredictor: new TransformerDims(Hidden: 32, Layers: 1, Heads: 2, KvHeads: 1, HeadDim: 16, Mlp: 64),
        TextHidden: 32,
        Decoder: new TransformerDims(Hidden: 16, Layers: 8, Heads: 2, KvHeads: 2, HeadDim: 8, Mlp: 32, RopeTheta: 10000),
        SpeakerWidth: 32,
        Stopping: new(FramesPerToken: 0.6, Slope: 50, Bias: 1));

    public static MiniatureSpec Small { get; } = new(
        "small",
        Talker: new TransformerDims(Hidden: 256, Layers: 4, Heads: 8, KvHeads: 4, HeadDim: 32, Mlp: 768),
        CodePredictor: new TransformerDims(Hidden: 128, Layers: 2, Heads: 4, KvHeads: 2, HeadDim: 32, Mlp: 384),
        TextHidden: 64,
        Decoder: new TransformerDims(Hidden: 32, Layers: 8, Heads: 4, KvHeads: 4, HeadDim: 8, Mlp: 64, RopeTheta: 10000),
        SpeakerWidth: 64,
        Stopping: new(FramesPerToken: 0.6, Slope: 50, Bias: 1));

    /// <summary>
    /// The real layer counts (talker 28, code predictor 5, decoder 8) and head counts at 1/16 of every real width, so
    /// the split of a frame's time between graphs predicts the real model's.
    /// </summary>
    public static MiniatureSpec Proportional { get; } = new(
        "proportional",
        Talker: new TransformerDims(Hidden: 128, Layers: 28, Heads: 16, KvHeads: 8, HeadDim: 8, Mlp: 384),
        CodePredictor: new TransformerDims(Hidden: 64, Layers: 5, Heads: 16, KvHeads: 8, HeadDim: 8, Mlp: 192),
        TextHidden: 128,
        Decoder: new TransformerDims(Hidden: 32, Layers: 8, Heads: 4, KvHeads: 4, HeadDim: 8, Mlp: 64, RopeTheta: 10000),
        SpeakerWidth: 64,
        Stopping: new(FramesPerToken: 0.6, Slope: 50, Bias: 1));

    public static MiniatureSpec Named(string size) => size switch
    {
        "tiny" => Tiny,
        "small" => Small,
        "proportional" => Proportional,
        _ => throw new ArgumentException($"Unknown miniature size '{size}': use tiny, small or proportional."),
    };
}
