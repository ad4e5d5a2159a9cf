using System.Text.Json.Serialization;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Speech;
using QwenTts.Frontend.Voices;

namespace QwenTts.Frontend.Models;

/// <summary>GET /v1/models: the model ids the speech endpoint accepts (all served by the cluster's Qwen3-TTS).</summary>
public static class ModelEndpoints
{
    public sealed record ModelResponse(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("object")] string Object,
        [property: JsonPropertyName("created")] long Created,
        [property: JsonPropertyName("owned_by")] string OwnedBy);

    private static readonly long Created = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    public static RouteGroupBuilder MapModelEndpoints(this RouteGroupBuilder api)
    {
        var models = api.MapGroup("/models").WithTags("Models");
        models.MapGet("/", () => TypedResults.Ok(ListResponse<ModelResponse>.Of(SpeechPlanner.Models.Select(Model).ToArray()))).WithName("ListModels");
        models.MapGet("/{id}", (string id, HttpContext context) => SpeechPlanner.Models.Contains(id, StringComparer.OrdinalIgnoreCase)
            ? TypedResults.Ok(Model(id.ToLowerInvariant()))
            : ApiProblem.NotFound($"model '{id}' is not served here.").ToResult(context)).WithName("GetModel");
        return api;
    }

    private static ModelResponse Model(string id) => new(id, "model", Created, "qwentts");
}
