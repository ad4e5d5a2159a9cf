using System.Text.Json.Serialization;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Voices;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Usage;

/// <summary>GET /v1/usage: the caller's most recent metered requests.</summary>
public static class UsageEndpoints
{
    public sealed record UsageResponse(
        [property: JsonPropertyName("request_id")] string RequestId,
        [property: JsonPropertyName("endpoint")] string Endpoint,
        [property: JsonPropertyName("characters")] int Characters,
        [property: JsonPropertyName("audio_seconds")] double AudioSeconds,
        [property: JsonPropertyName("devices")] string Devices,
        [property: JsonPropertyName("voice")] string? Voice,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("recorded_at")] DateTimeOffset RecordedAt);

    public static RouteGroupBuilder MapUsageEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/usage", async (HttpContext context, UsageStore store, int? limit) =>
        {
            var records = await store.ListAsync(context.Tenant().Id, Math.Clamp(limit ?? 100, 1, 1000), context.RequestAborted);
            return TypedResults.Ok(ListResponse<UsageResponse>.Of(records.Select(r => new UsageResponse(r.RequestId, r.Endpoint, r.Characters,
                Math.Round(r.AudioSeconds, 3), r.Devices, r.Voice, r.Status, r.RecordedAt)).ToArray()));
        }).WithName("ListUsage").WithTags("Usage").WithSummary("Your tenant's metered requests, newest first");
        return api;
    }
}
