using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Interfaces.Synthesis;

/// <summary>One utterance sent to a card.</summary>
[GenerateSerializer, Immutable]
public sealed record SynthesisJob
{
    [Id(0)] public required string RequestId { get; init; }

    [Id(1)] public required string Tenant { get; init; }

    [Id(2)] public required string Text { get; init; }

    [Id(3)] public string Language { get; init; } = "auto";

    [Id(4)] public required VoiceSpec Voice { get; init; }

    [Id(5)] public ulong Seed { get; init; }

    /// <summary>The router's estimate of the frames this utterance will take (its size for queueing).</summary>
    [Id(6)] public double ExpectedFrames { get; init; }

    [Id(7)] public bool NonStreamingText { get; init; } = true;

    [Id(8)] public SamplingSpec? Sampling { get; init; }

    /// <summary>Batch work (an asynchronous job's segment): waits behind realtime requests on a card and never takes their queue room.</summary>
    [Id(9)] public bool Background { get; init; }

    /// <summary>
    /// Resuming on this card an utterance whose card failed mid-stream: the codes of the frames the caller already has
    /// (frame after frame, <see cref="SynthesisEvent.Codes"/> of the audio it received). The card replays them and streams
    /// only what follows. Null for a fresh utterance.
    /// </summary>
    [Id(10)] public int[]? ResumeCodes { get; init; }

    /// <summary>When the request reached the cluster (set by the router): a card queues jobs in this order, so one handed
    /// back by a stalled or draining card is not sent behind younger ones at the next.</summary>
    [Id(11)] public DateTimeOffset? SubmittedAt { get; init; }

    /// <summary>
    /// With <see cref="ResumeCodes"/>: its last card was well but fell behind playback, and its listener still has audio.
    /// The card runs it first in line but within what it keeps ahead of playback, not at once beyond it as a stream
    /// whose card failed: otherwise a stream moved here would slow every stream already here.
    /// </summary>
    [Id(12)] public bool Moved { get; init; }
}

/// <summary>Who speaks: a description (VoiceDesign), a preset speaker, or a stored clone prompt (Base).</summary>
[GenerateSerializer, Immutable]
public sealed record VoiceSpec
{
    [Id(0)] public string? Description { get; init; }

    [Id(1)] public string? PresetSpeaker { get; init; }

    [Id(2)] public VoiceClonePrompt? ClonePrompt { get; init; }

    public static VoiceSpec Designed(string description) => new() { Description = description };
}

/// <summary>Sampling overrides; null fields keep the model's defaults.</summary>
[GenerateSerializer, Immutable]
public sealed record SamplingSpec
{
    [Id(0)] public float? Temperature { get; init; }

    [Id(1)] public int? TopK { get; init; }

    [Id(2)] public float? TopP { get; init; }

    [Id(3)] public int? MaxNewTokens { get; init; }

    /// <summary>
    /// The utterance was cut by this request's own cap (a probe's, a caller's), not ended by the model: it says nothing
    /// of how long such a text runs, so length estimates do not learn from it.
    /// </summary>
    public bool CutShort(int frames) => MaxNewTokens is { } max && frames >= max;
}
