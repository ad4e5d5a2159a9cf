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
    /// <summary>Channels the codec decoder widens to before its upsampling blocks (0: stay at the transformer's width).</summary>
    public long DecoderChannels { get; init; }

    /// <summary>Dilations of each decoder block's residual convolutions (the real decoder: 1, 3, 9).</summary>
    public IReadOnlyList<long> ResidualDilations { get; init; } = [1];

    /// <summary>The real model's widths: never built for the tests or the embedded default (gigabytes, minutes).</summary>
    public bool RealScale { get; init; }

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

    /// <summary>
    /// The released 1.7B model's widths and counts everywhere (shared/QWEN3-TTS-FACTS.md), with random weights: compute
    /// and memory do not depend on the weights' values, so its load, memory and frames/s are the real model's.
    /// </summary>
    public static MiniatureSpec Full { get; } = new(
        "full",
        Talker: new TransformerDims(Hidden: 2048, Layers: 28, Heads: 16, KvHeads: 8, HeadDim: 128, Mlp: 6144),
        CodePredictor: new TransformerDims(Hidden: 1024, Layers: 5, Heads: 16, KvHeads: 8, HeadDim: 128, Mlp: 3072),
        TextHidden: 2048,
        Decoder: new TransformerDims(Hidden: 512, Layers: 8, Heads: 8, KvHeads: 8, HeadDim: 64, Mlp: 1024, RopeTheta: 10000),
        SpeakerWidth: 512,
        Stopping: new(FramesPerToken: 0.6, Slope: 50, Bias: 1))
    {
        DecoderChannels = 1536,
        ResidualDilations = [1, 3, 9],
        RealScale = true,
    };

    /// <summary>The released 0.6B model: talker hidden 1024, MLP 3072; the rest as <see cref="Full"/>.</summary>
    public static MiniatureSpec Released06B { get; } = Full with
    {
        Size = "0.6b",
        Talker = new TransformerDims(Hidden: 1024, Layers: 28, Heads: 16, KvHeads: 8, HeadDim: 128, Mlp: 3072),
    };

    public static MiniatureSpec Named(string size) => size switch
    {
        "tiny" => Tiny,
        "small" => Small,
        "proportional" => Proportional,
        "full" => Full,
        "0.6b" => Released06B,
        _ => throw new ArgumentException($"Unknown miniature size '{size}': use tiny, small, proportional, full (1.7B widths) or 0.6b."),
    };
}
