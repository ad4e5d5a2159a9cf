namespace QwenTts.Grains.Interfaces.Synthesis;

public enum SynthesisEventKind
{
    /// <summary>The card took the job; it may wait in its queue.</summary>
    Admitted,

    /// <summary>The card refused the job before starting it (full, draining, unhealthy): try another card.</summary>
    Rejected,

    /// <summary>Audio samples (24 kHz mono float).</summary>
    Audio,

    Completed,

    /// <summary>The job failed after it started; no retry is safe once audio went out.</summary>
    Failed,
}

/// <summary>One step of a job's stream from a card.</summary>
[GenerateSerializer, Immutable]
public sealed record SynthesisEvent
{
    [Id(0)] public required SynthesisEventKind Kind { get; init; }

    [Id(1)] public float[]? Samples { get; init; }

    [Id(2)] public int SampleRate { get; init; }

    /// <summary>Admitted: the card's admission sequence number (compare with DeviceLoad.AdmittedTotal).</summary>
    [Id(3)] public long AdmissionNumber { get; init; }

    /// <summary>Admitted: utterances ahead of this one.</summary>
    [Id(4)] public int QueuePosition { get; init; }

    [Id(5)] public SynthesisSummary? Summary { get; init; }

    /// <summary>Rejected / Failed: why, in words.</summary>
    [Id(6)] public string? Reason { get; init; }

    /// <summary>Failed because the request itself is wrong (language, speaker, empty text): no card would do better.</summary>
    [Id(7)] public bool InvalidRequest { get; init; }

    /// <summary>Audio: the codes of the frames these samples are made of (frame after frame), to resume the utterance on
    /// another card should this one fail; null from a card that does not send them.</summary>
    [Id(8)] public int[]? Codes { get; init; }

    /// <summary>Admitted: the card that took the job (a failover's new card admits it again).</summary>
    [Id(9)] public string? Device { get; init; }

    public static SynthesisEvent Rejected(string reason) => new() { Kind = SynthesisEventKind.Rejected, Reason = reason };
}

/// <summary>What a finished utterance cost on its card. Frames counts the whole utterance; of them, ResumedFrames were
/// made by an earlier card and replayed here.</summary>
[GenerateSerializer, Immutable]
public sealed record SynthesisSummary(
    [property: Id(0)] string Device,
    [property: Id(1)] int Frames,
    [property: Id(2)] double AudioSeconds,
    [property: Id(3)] TimeSpan QueueWait,
    [property: Id(4)] TimeSpan Synthesis,
    [property: Id(5)] TimeSpan TimeToFirstAudio,
    [property: Id(6)] bool Emulated,
    [property: Id(7)] string? VoicePrompt = null,
    [property: Id(8)] int ResumedFrames = 0);
