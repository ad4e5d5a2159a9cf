using System.Text.Json.Serialization;
using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>A job as GET /v1/audio/jobs/{id} shows it.</summary>
public sealed record JobResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("progress")] JobProgressResponse Progress,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("created_at")] long CreatedAt,
    [property: JsonPropertyName("completed_at")] long? CompletedAt,
    [property: JsonPropertyName("expires_at")] long? ExpiresAt,
    [property: JsonPropertyName("response_format")] string ResponseFormat,
    [property: JsonPropertyName("characters")] int Characters,
    [property: JsonPropertyName("audio_seconds")] double AudioSeconds,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("devices")] string[] Devices,
    [property: JsonPropertyName("content_url")] string? ContentUrl,
    [property: JsonPropertyName("callback_url")] string? CallbackUrl,
    [property: JsonPropertyName("callback_status")] string? CallbackStatus,
    [property: JsonPropertyName("robots_status")] string? RobotsStatus,
    [property: JsonPropertyName("voice_source")] string? VoiceSource)
{
    public static JobResponse From(AudioJobView job) => new(
        job.Id, "audio.job", job.Status.ToString().ToLowerInvariant(),
        new JobProgressResponse(job.SegmentsDone, job.SegmentsTotal, job.SegmentsTotal == 0 ? 0 : Math.Round(job.SegmentsDone / (double)job.SegmentsTotal, 4)),
        job.Error, job.CreatedAt.ToUnixTimeSeconds(), job.CompletedAt?.ToUnixTimeSeconds(), job.ExpiresAt?.ToUnixTimeSeconds(), job.Format,
        job.Characters, Math.Round(job.AudioSeconds, 3), job.ContentBytes, job.Devices,
        job.Status == AudioJobStatus.Completed ? $"/v1/audio/jobs/{job.Id}/content" : null, job.CallbackUrl, job.CallbackStatus, job.RobotsStatus, job.VoiceSource);
}

public sealed record JobProgressResponse(
    [property: JsonPropertyName("segments_done")] int SegmentsDone,
    [property: JsonPropertyName("segments_total")] int SegmentsTotal,
    [property: JsonPropertyName("fraction")] double Fraction);

/// <summary>GET /v1/audio/jobs/{id}/timestamps: one entry per segment, in text order.</summary>
public sealed record JobTimestampsResponse(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("object")] string Object,
    [property: JsonPropertyName("granularity")] string Granularity,
    [property: JsonPropertyName("segments")] IReadOnlyList<Speech.SegmentTimestamp> Segments);
