using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Speech;
using QwenTts.Grains.Interfaces.Voices;
using QwenTts.Storage.Voices;

namespace QwenTts.Frontend.Voices;

/// <summary>
/// /v1/audio/voice_consents as in OpenAI's API: create (multipart name, language, recording), retrieve, list with
/// cursor pages, update the name (POST), delete. Rows per tenant in PostgreSQL; the recording is decoded and checked,
/// and only its hash, length, language and speaker embedding (measured by a card with the Base model) are kept.
/// </summary>
public static partial class VoiceConsentEndpoints
{
    private const int MaxName = 256;

    public static RouteGroupBuilder MapVoiceConsentEndpoints(this RouteGroupBuilder api)
    {
        var consents = api.MapGroup("/audio/voice_consents").WithTags("Voices");
        consents.MapPost("/", CreateAsync).WithName("CreateVoiceConsent").WithSummary("Upload a consent recording (multipart: name, language, recording)")
            .WithMetadata(new RequestSizeLimitAttribute(RecordingUpload.MaxRequestBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        consents.MapGet("/", ListAsync).WithName("ListVoiceConsents").WithSummary("List consents, newest first (after, limit)");
        consents.MapGet("/{id}", GetAsync).WithName("GetVoiceConsent").ProducesProblem(StatusCodes.Status404NotFound);
        consents.MapPost("/{id}", UpdateAsync).WithName("UpdateVoiceConsent").WithSummary("Change a consent's name")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        consents.MapDelete("/{id}", DeleteAsync).WithName("DeleteVoiceConsent").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> CreateAsync(HttpContext context, VoiceConsentStore store, TimeProvider clock, TenantQuotas quotas, ReferenceAudioCloner cards)
    {
        if (!context.Request.HasFormContentType)
        {
            return new ApiProblem(StatusCodes.Status415UnsupportedMediaType, "Multipart form required",
                "send multipart/form-data with name, language and the recording file.").ToResult(context);
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        string? name = form["name"];
        if (string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxName)
        {
            return ApiProblem.BadRequest($"name is required: a label for the consent, at most {MaxName} characters.").ToResult(context);
        }

        string? language = form["language"];
        if (language is null || !LanguageTag().IsMatch(language.Trim()))
        {
            return ApiProblem.BadRequest("language is required: the BCP 47 tag of the consent phrase, e.g. en-US or zh-CN.").ToResult(context);
        }

        var (recording, problem) = await RecordingUpload.ReadAsync(form, "recording", context.RequestAborted);
        if (problem is not null)
        {
            return problem.ToResult(context);
        }

        // The consent's speaker, measured once by the Base model, is what a voice made under it must match: card work, so
        // the request rate first, and it stops if the caller goes away.
        if (await quotas.TakeRequestAsync(context.Tenant()) is { } limited)
        {
            return limited.ToResult(context);
        }

        var (speaker, cannotMeasure) = await cards.EmbedSpeakerAsync(recording!.Samples, "a consent", context.RequestAborted);
        if (cannotMeasure is not null)
        {
            return cannotMeasure.ToResult(context);
        }

        var file = form.Files.GetFile("recording")!;
        var consent = new VoiceConsent(VoiceIds.NewConsent(), context.Tenant().Id, name.Trim(), language.Trim(), recording.Sha256,
            recording.Seconds, recording.Bytes, string.IsNullOrEmpty(file.ContentType) ? "application/octet-stream" : file.ContentType,
            TruncateToMicroseconds(clock.GetUtcNow()), speaker);
        await store.AddAsync(consent, context.RequestAborted);
        return TypedResults.Ok(VoiceConsentResponse.Of(consent));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, VoiceConsentStore store)
    {
        var consent = await store.GetAsync(context.Tenant().Id, id, context.RequestAborted);
        return consent is null ? NotFound(id).ToResult(context) : TypedResults.Ok(VoiceConsentResponse.Of(consent));
    }

    private static async Task<IResult> ListAsync(HttpContext context, VoiceConsentStore store, string? after = null, int? limit = null)
    {
        if (limit is < 1 or > 100)
        {
            return ApiProblem.BadRequest("limit must be between 1 and 100.").ToResult(context);
        }

        var tenant = context.Tenant().Id;
        if (after is not null && await store.GetAsync(tenant, after, context.RequestAborted) is null)
        {
            return ApiProblem.BadRequest($"after '{after}' is not a consent of your tenant; pass the last_id of the previous page.").ToResult(context);
        }

        var page = await store.ListAsync(tenant, after, limit ?? 20, context.RequestAborted);
        var data = page.Items.Select(VoiceConsentResponse.Of).ToArray();
        return TypedResults.Ok(new CursorPageResponse<VoiceConsentResponse>("list", data, data.FirstOrDefault()?.Id, data.LastOrDefault()?.Id, page.HasMore));
    }

    private static async Task<IResult> UpdateAsync(string id, UpdateConsentRequest? request, HttpContext context, VoiceConsentStore store)
    {
        if (request?.Name is not { } name || string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxName)
        {
            return ApiProblem.BadRequest($"a JSON body {{\"name\": ...}} is required; name is a label of at most {MaxName} characters.").ToResult(context);
        }

        var consent = await store.RenameAsync(context.Tenant().Id, id, name.Trim(), context.RequestAborted);
        return consent is null ? NotFound(id).ToResult(context) : TypedResults.Ok(VoiceConsentResponse.Of(consent));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, VoiceConsentStore store) =>
        await store.DeleteAsync(context.Tenant().Id, id, context.RequestAborted)
            ? TypedResults.Ok(new DeletedResponse(id, "audio.voice_consent", true))
            : NotFound(id).ToResult(context);

    /// <summary>PostgreSQL keeps microseconds; the answer shows what a later read will show.</summary>
    private static DateTimeOffset TruncateToMicroseconds(DateTimeOffset at) => new(at.Ticks - at.Ticks % 10, at.Offset);

    private static ApiProblem NotFound(string id) => ApiProblem.NotFound($"consent '{id}' does not exist for your tenant.");

    [GeneratedRegex("^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")]
    private static partial Regex LanguageTag();
}
