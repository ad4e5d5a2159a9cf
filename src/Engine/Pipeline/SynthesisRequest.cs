using QwenTts.Engine.Prompt;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Pipeline;

/// <summary>One utterance to synthesise.</summary>
public sealed record SynthesisRequest
{
    public required string Text { get; init; }

    /// <summary>A language name (english, chinese, ...) or "auto".</summary>
    public string Language { get; init; } = "auto";

    public required VoicePrompt Voice { get; init; }

    /// <summary>Seeds every draw: the same seed, text and voice give the same codes on one machine.</summary>
    public ulong Seed { get; init; }

    /// <summary>Null: the model's generation defaults.</summary>
    public SamplingOptions? Sampling { get; init; }

    /// <summary>Non-streaming text mode (all text in the prompt) is Qwen3-TTS's default; false feeds one text token per frame.</summary>
    public bool NonStreamingText { get; init; } = true;

    /// <summary>
    /// The codes of the frames an earlier run of this utterance (same text, voice, seed and sampling) already streamed,
    /// when it is resumed on another card: they are replayed through the talker, not generated again, and only the audio
    /// after them is streamed. Null or empty for a fresh utterance. Streaming only.
    /// </summary>
    public IReadOnlyList<int[]>? ResumeFrames { get; init; }

    /// <summary>
    /// Called for each frame the utterance makes (not for replayed ones) as soon as it is made, on the thread that made
    /// it (the utterance's own, or its card's decode lane): a card measures its rate from these, frame by frame, where its
    /// audio leaves a chunk of up to 96 frames at a time, after the codec decoder.
    /// </summary>
    public Action? FrameMade { get; init; }
}

/// <summary>A piece of the utterance's audio: 24 kHz mono float samples in [-1, 1].</summary>
public sealed record AudioChunk(float[] Samples, int SampleRate, int Index, bool IsFinal)
{
    /// <summary>The codes of the frames this chunk's audio is made of, frame after frame (codebooks per frame), so a
    /// listener can resume the utterance elsewhere from them.</summary>
    public int[] Codes { get; init; } = [];

    /// <summary>Set on the final chunk.</summary>
    public SynthesisStats? Stats { get; init; }
}

/// <summary>What one utterance cost.</summary>
public sealed record SynthesisStats(
    int Frames,
    int PromptTokens,
    TimeSpan Wall,
    TimeSpan TimeToFirstAudio,
    TimeSpan OrtTime,
    int OrtRuns,
    double AudioSeconds)
{
    /// <summary>Time and runs of each graph (empty when not measured).</summary>
    public IReadOnlyDictionary<string, (TimeSpan Time, int Runs)> GraphTimes { get; init; } = new Dictionary<string, (TimeSpan, int)>();

    /// <summary>Wall time over audio duration: below 1 is faster than real time.</summary>
    public double RealTimeFactor => AudioSeconds > 0 ? Wall.TotalSeconds / AudioSeconds : double.NaN;

    /// <summary>Share of the wall time spent inside ONNX Runtime Run.</summary>
    public double OrtShare => Wall > TimeSpan.Zero ? OrtTime / Wall : 0;

    public double FramesPerSecond => Wall > TimeSpan.Zero ? Frames / Wall.TotalSeconds : 0;
}

/// <summary>
/// Streaming granularity of the codec decoder: a small first chunk for early audio, then chunks that double up to
/// <see cref="MaxChunkFrames"/>, each decoded with up to <see cref="LeftContextFrames"/> frames of left context (never
/// more than the chunk graph's 325 frames a call in all). Defaults chosen by measurement (models/README.md).
/// </summary>
public sealed record StreamingOptions
{
    /// <summary>Frames in the first chunk (80 ms each): small, for early first audio.</summary>
    public int FirstChunkFrames { get; init; } = 4;

    /// <summary>Frames in the second chunk; each later one is twice the last, up to <see cref="MaxChunkFrames"/>.</summary>
    public int ChunkFrames { get; init; } = 12;

    public int MaxChunkFrames { get; init; } = 96;

    /// <summary>Left context of every chunk after the first (the official decode uses 25; 72, one attention window, measured better).</summary>
    public int LeftContextFrames { get; init; } = 72;
}
