using System.Text.Json.Serialization;
using QwenTts.Frontend.Voices;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Routing;

namespace QwenTts.Frontend.Devices;

/// <summary>GET /v1/devices: the cluster's cards as routing sees them.</summary>
public static class DeviceEndpoints
{
    public sealed record DeviceResponse(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("silo")] string Silo,
        [property: JsonPropertyName("kind")] string Kind,
        [property: JsonPropertyName("model")] string Model,
        [property: JsonPropertyName("emulated")] bool Emulated,
        [property: JsonPropertyName("provider")] string Provider,
        [property: JsonPropertyName("relative_speed")] double RelativeSpeed,
        [property: JsonPropertyName("memory_bytes")] long MemoryBytes,
        [property: JsonPropertyName("active")] int Active,
        [property: JsonPropertyName("queued")] int Queued,
        [property: JsonPropertyName("max_concurrent")] int MaxConcurrent,
        [property: JsonPropertyName("queue_limit")] int QueueLimit,
        [property: JsonPropertyName("queued_work_frames")] double QueuedWorkFrames,
        [property: JsonPropertyName("frames_per_second")] double FramesPerSecond,
        [property: JsonPropertyName("healthy")] bool Healthy,
        [property: JsonPropertyName("draining")] bool Draining,
        [property: JsonPropertyName("can_clone")] bool CanClone,
        [property: JsonPropertyName("completed")] long Completed,
        [property: JsonPropertyName("reported_at")] DateTimeOffset ReportedAt,
        [property: JsonPropertyName("model_name")] string ModelName,
        [property: JsonPropertyName("miniature")] bool Miniature,
        [property: JsonPropertyName("health")] string Health,
        [property: JsonPropertyName("health_reason")] string? HealthReason,
        [property: JsonPropertyName("failed")] long Failed,
        [property: JsonPropertyName("stalled")] bool Stalled,
        [property: JsonPropertyName("batching")] string Batching,
        [property: JsonPropertyName("frames_per_second_by_batch")] double?[] FramesPerSecondByBatch)
    {
        public static DeviceResponse Of(DeviceLoad d) => new(d.Device.Key, d.Device.Silo, d.Kind.ToString().ToLowerInvariant(), d.Model,
            d.Emulated, d.Provider, d.RelativeSpeed, d.MemoryBytes, d.Active, d.Queued, d.MaxConcurrent, d.QueueLimit,
            Math.Round(d.QueuedWorkFrames, 1), Math.Round(d.FramesPerSecond, 1), d.Healthy, d.Draining, d.CanClone, d.CompletedTotal, d.ReportedAt, d.ModelName, d.Miniature,
            d.Health.ToString().ToLowerInvariant(), d.HealthReason, d.FailedTotal, d.Stalled, d.Batching, ByBatch(d));

        /// <summary>Frames/s in all with n running (index n - 1), as the card does now; null where not measured yet.</summary>
        private static double?[] ByBatch(DeviceLoad d) =>
            [.. d.RelativeRateByBatch.Select((_, i) => d.MeasuredRateWith(i + 1) is { } rate ? Math.Round(rate, 1) : (double?)null)];
    }

    public static RouteGroupBuilder MapDeviceEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/devices", (DeviceRouter router) => TypedResults.Ok(ListResponse<DeviceResponse>.Of(router.Devices.Select(DeviceResponse.Of).ToArray())))
            .WithName("ListDevices").WithTags("Cluster").WithSummary("The cluster's cards: kind, emulated, load");
        return api;
    }
}
