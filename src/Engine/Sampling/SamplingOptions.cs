using QwenTts.Engine.Model;

namespace QwenTts.Engine.Sampling;

/// <summary>
/// How codes are drawn. Defaults follow generation_config.json: c0 with temperature 0.9, top-k 50, top-p 1.0,
/// repetition penalty 1.05 over past c0, EOS masked for the first 2 steps; c1..c15 with temperature 0.9, top-k 50.
/// </summary>
public sealed record SamplingOptions
{
    public bool DoSample { get; init; } = true;

    public float Temperature { get; init; } = 0.9f;

    public int TopK { get; init; } = 50;

    public float TopP { get; init; } = 1.0f;

    public float RepetitionPenalty { get; init; } = 1.05f;

    public int MinNewTokens { get; init; } = 2;

    /// <summary>Hard cap on generated frames (2048 in practice, 164 s of audio).</summary>
    public int MaxNewTokens { get; init; } = 2048;

    /// <summary>
    /// Optional cap proportional to the text: at most this many frames per text token plus <see cref="LengthCapSlackFrames"/>.
    /// 0 disables it. Guards against a model that never emits EOS; the miniature relies on it to end utterances.
    /// </summary>
    public int MaxFramesPerTextToken { get; init; }

    public int LengthCapSlackFrames { get; init; } = 8;

    public bool SubtalkerDoSample { get; init; } = true;

    public float SubtalkerTemperature { get; init; } = 0.9f;

    public int SubtalkerTopK { get; init; } = 50;

    public float SubtalkerTopP { get; init; } = 1.0f;

    public static SamplingOptions From(GenerationDefaults defaults) => new()
    {
        Temperature = defaults.Temperature,
        TopK = defaults.TopK,
        TopP = defaults.TopP,
        RepetitionPenalty = defaults.RepetitionPenalty,
        MaxNewTokens = defaults.MaxNewTokens,
        SubtalkerTemperature = defaults.SubtalkerTemperature,
        SubtalkerTopK = defaults.SubtalkerTopK,
        SubtalkerTopP = defaults.SubtalkerTopP,
    };

    /// <summary>Frames this utterance may produce at most.</summary>
    public int FrameLimit(int contentTokens) => MaxFramesPerTextToken <= 0
        ? MaxNewTokens
        : Math.Min(MaxNewTokens, (MaxFramesPerTextToken * contentTokens) + LengthCapSlackFrames);
}
