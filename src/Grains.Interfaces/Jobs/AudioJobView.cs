namespace QwenTts.Grains.Interfaces.Jobs;

[GenerateSerializer]
public enum AudioJobStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Expired,
}

/// <summary>A job as its owner sees it: status, progress, where its audio is and until when.</summary>
[GenerateSerializer, Immutable]
public sealed record AudioJobView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Tenant,
    [property: Id(2)] AudioJobStatus Status,
    [property: Id(3)] int SegmentsTotal,
    [property: Id(4)] int SegmentsDone,
    [property: Id(5)] string? Error,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] DateTimeOffset? CompletedAt,
    [property: Id(8)] DateTimeOffset? ExpiresAt,
    [property: Id(9)] string Format,
    [property: Id(10)] int Characters,
    [property: Id(11)] double AudioSeconds,
    [property: Id(12)] long ContentBytes,
    [property: Id(13)] string[] Devices,
    [property: Id(14)] string? CallbackUrl,
    [property: Id(15)] string? CallbackStatus,
    [property: Id(16)] string? RobotsStatus = null,
    [property: Id(17)] bool CallbackPending = false,
    [property: Id(18)] string? VoiceSource = null,
    [property: Id(19)] bool RobotsPending = false)
{
    public bool IsFinished => Status is AudioJobStatus.Completed or AudioJobStatus.Failed or AudioJobStatus.Expired;
}

/// <summary>One finished segment: where its audio went and what it took.</summary>
[GenerateSerializer, Immutable]
public sealed record AudioJobSegment(
    [property: Id(0)] int Index,
    [property: Id(1)] string Device,
    [property: Id(2)] int Frames,
    [property: Id(3)] long Samples);

/// <summary>The finished audio of a job.</summary>
[GenerateSerializer, Immutable]
public sealed record AudioJobContent(
    [property: Id(0)] long Bytes,
    [property: Id(1)] double AudioSeconds,
    [property: Id(2)] string ContentType);
