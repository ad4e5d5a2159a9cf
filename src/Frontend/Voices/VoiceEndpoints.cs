using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Text;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Frontend.Voices;

/// <summary>/v1/voices: a tenant's named voices. Keys are always built from the caller's tenant, never from input.</summary>
public static class VoiceEndpoints
{
    private const int MaxDescription = 1000;

    public static RouteGroupBuilder MapVoiceEndpoints(this RouteGroupBuilder api)
    {
        var voices = api.MapGroup("/voices").WithTags("Voices");
        voices.MapGet("/", ListAsync).WithName("ListVoices").WithSummary("List your tenant's named voices");
        voices.MapPost("/", CreateAsync).WithName("CreateVoice").WithSummary("Design a named voice from a description")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict);
        voices.MapGet("/{name}", GetAsync).WithName("GetVoice").ProducesProblem(StatusCodes.Status404NotFound);
        voices.MapPatch("/{name}", UpdateAsync).WithName("UpdateVoice").WithSummary("Change a voice's description, language or seed")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        voices.MapDelete("/{name}", DeleteAsync).WithName("DeleteVoice").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IClusterClient cluster)
    {
        var list = await cluster.GetGrain<ITenantVoicesGrain>(context.Tenant().Id).ListAsync();
        return TypedResults.Ok(ListResponse<VoiceResponse>.Of(list.Select(VoiceResponse.Of).ToArray()));
    }

    private static async Task<IResult> GetAsync(string name, HttpContext context, IClusterClient cluster)
    {
        if (!VoiceKey.IsValidName(name))
        {
            return NotFound(name).ToResult(context);
        }

        var profile = await cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(context.Tenant().Id, name)).GetAsync();
        return profile is null ? NotFound(name).ToResult(context) : TypedResults.Ok(VoiceResponse.Of(profile));
    }

    private static async Task<IResult> CreateAsync(CreateVoiceRequest? request, HttpContext context, IClusterClient cluster, TenantQuotas quotas)
    {
        if (request is null)
        {
            return ApiProblem.BadRequest("a JSON body with name and description is required.").ToResult(context);
        }

        if (!VoiceKey.IsValidName(request.Name))
        {
            return ApiProblem.BadRequest("name must start with a letter or digit and use only letters, digits, '-', '_' or '.', at most 64.").ToResult(context);
        }

        if (Validate(request.Description, request.Language, required: true) is { } invalid)
        {
            return invalid.ToResult(context);
        }

        // Deriving the prompt is card work: the request rate first, and the work stops if the caller goes away.
        if (await quotas.TakeRequestAsync(context.Tenant()) is { } limited)
        {
            return limited.ToResult(context);
        }

        var design = new VoiceDesign(TextNormalizer.Normalize(request.Description!), Language(request.Language), request.Seed);
        var result = await cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(context.Tenant().Id, request.Name!)).CreateAsync(design, context.RequestAborted);
        return result.Status == VoiceWriteStatus.AlreadyExists
            ? new ApiProblem(StatusCodes.Status409Conflict, "Voice exists", $"voice '{request.Name}' already exists; PATCH it to change it.").ToResult(context)
            : TypedResults.Created($"/v1/voices/{request.Name}", VoiceResponse.Of(result.Profile!));
    }

    private static async Task<IResult> UpdateAsync(string name, UpdateVoiceRequest? request, HttpContext context, IClusterClient cluster, TenantQuotas quotas)
    {
        if (!VoiceKey.IsValidName(name))
        {
            return NotFound(name).ToResult(context);
        }

        if (request is null)
        {
            return ApiProblem.BadRequest("a JSON body with description, language or seed is required.").ToResult(context);
        }

        if (Validate(request.Description, request.Language, required: false) is { } invalid)
        {
            return invalid.ToResult(context);
        }

        var grain = cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(context.Tenant().Id, name));
        var current = await grain.GetAsync();
        if (current is null)
        {
            return NotFound(name).ToResult(context);
        }

        if (await quotas.TakeRequestAsync(context.Tenant()) is { } limited)
        {
            return limited.ToResult(context);
        }

        var design = new VoiceDesign(
            request.Description is null ? current.Description : TextNormalizer.Normalize(request.Description),
            request.Language is null ? current.Language : Language(request.Language),
            request.Seed ?? current.Seed);
        var result = await grain.UpdateAsync(design, context.RequestAborted);
        return result.Status == VoiceWriteStatus.NotFound ? NotFound(name).ToResult(context) : TypedResults.Ok(VoiceResponse.Of(result.Profile!));
    }

    private static async Task<IResult> DeleteAsync(string name, HttpContext context, IClusterClient cluster)
    {
        if (!VoiceKey.IsValidName(name))
        {
            return NotFound(name).ToResult(context);
        }

        var result = await cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(context.Tenant().Id, name)).DeleteAsync();
        return result.Status == VoiceWriteStatus.NotFound ? NotFound(name).ToResult(context) : TypedResults.NoContent();
    }

    private static ApiProblem? Validate(string? description, string? language, bool required)
    {
        if (description is null ? required : TextNormalizer.Normalize(description).Length == 0)
        {
            return ApiProblem.BadRequest("description is required and must not be empty: describe the voice, e.g. \"a calm, low female voice\".");
        }

        if (description is { Length: > MaxDescription })
        {
            return ApiProblem.BadRequest($"description has {description.Length} characters; the limit is {MaxDescription}.");
        }

        return language is not null && !SupportedLanguages.IsSupported(language)
            ? ApiProblem.BadRequest($"language '{language}' is not supported; use {SupportedLanguages.Describe()}.")
            : null;
    }

    private static string Language(string? language) => SupportedLanguages.Canonical(language ?? SupportedLanguages.Auto)!;

    private static ApiProblem NotFound(string name) => ApiProblem.NotFound($"voice '{name}' does not exist for your tenant.");
}
