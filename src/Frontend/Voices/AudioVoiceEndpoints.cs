using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using QwenTts.Audio.Recordings;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Speech;
using QwenTts.Frontend.Text;
using QwenTts.Grains.Interfaces.Voices;
using QwenTts.Storage.Tenants;
using QwenTts.Storage.Voices;

namespace QwenTts.Frontend.Voices;

/// <summary>
/// /v1/audio/voices as in OpenAI's custom-voices API (create from a prompt or from a recording under a consent,
/// delete), plus list and retrieve as vLLM-Omni has them. The same voices as /v1/voices: one store, two views.
/// </summary>
public static class AudioVoiceEndpoints
{
    private const int MaxName = 256;
    private const int MaxPrompt = 1000;
    private const int MaxScript = 1000;
    private const int MinScript = 4;

    public static RouteGroupBuilder MapAudioVoiceEndpoints(this RouteGroupBuilder api)
    {
        var voices = api.MapGroup("/audio/voices").WithTags("Voices");
        voices.MapPost("/", CreateAsync).WithName("CreateAudioVoice")
            .WithSummary("Create a voice from a prompt (JSON or multipart) or from a recording under a consent (multipart)")
            .WithMetadata(new RequestSizeLimitAttribute(RecordingUpload.MaxRequestBytes))
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        voices.MapGet("/", ListAsync).WithName("ListAudioVoices").WithSummary("List your tenant's voices");
        voices.MapGet("/{id}", GetAsync).WithName("GetAudioVoice").ProducesProblem(StatusCodes.Status404NotFound);
        voices.MapDelete("/{id}", DeleteAsync).WithName("DeleteAudioVoice").ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }

    private static async Task<IResult> ListAsync(HttpContext context, IClusterClient cluster)
    {
        var list = await cluster.GetGrain<ITenantVoicesGrain>(context.Tenant().Id).ListAsync();
        return TypedResults.Ok(ListResponse<AudioVoiceResponse>.Of(list.OrderBy(v => v.CreatedAt).Select(AudioVoiceResponse.Of).ToArray()));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext context, IClusterClient cluster)
    {
        var grain = await FindAsync(id, context.Tenant(), cluster);
        var profile = grain is null ? null : await grain.GetAsync();
        return profile is null ? NotFound(id).ToResult(context) : TypedResults.Ok(AudioVoiceResponse.Of(profile));
    }

    private static async Task<IResult> DeleteAsync(string id, HttpContext context, IClusterClient cluster)
    {
        var grain = await FindAsync(id, context.Tenant(), cluster);
        var result = grain is null ? null : await grain.DeleteAsync();
        return result is not { Status: VoiceWriteStatus.Deleted }
            ? NotFound(id).ToResult(context)
            : TypedResults.Ok(new DeletedResponse(result.Profile?.Id ?? id, "audio.voice.deleted", true));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, IClusterClient cluster, VoiceConsentStore consents, TenantQuotas quotas,
        IOptions<VoiceOptions> options)
    {
        var tenant = context.Tenant();
        if (context.Request.HasFormContentType)
        {
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var fields = new CreateAudioVoiceRequest(form["type"], form["name"], form["prompt"], form["script_hint"], form["model"], form["language"]);
            return (fields.Type ?? VoiceTypes.AudioSample) switch
            {
                VoiceTypes.Prompt => await CreatePromptVoiceAsync(fields, tenant, context, cluster, quotas),
                VoiceTypes.AudioSample => await CreateSampleVoiceAsync(form, tenant, context, cluster, consents, quotas, options.Value),
                var other => UnknownType(other).ToResult(context),
            };
        }

        CreateAudioVoiceRequest? request;
        try
        {
            request = await context.Request.ReadFromJsonAsync<CreateAudioVoiceRequest>(context.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return ApiProblem.BadRequest("send JSON {\"type\": \"prompt\", \"name\": ..., \"prompt\": ...} or multipart/form-data; " +
                                         (ex is JsonException ? $"the JSON could not be read: {ex.Message}" : "the content type is neither.")).ToResult(context);
        }

        return (request?.Type ?? VoiceTypes.AudioSample) switch
        {
            _ when request is null => ApiProblem.BadRequest("a JSON body with type, name and prompt is required.").ToResult(context),
            VoiceTypes.Prompt => await CreatePromptVoiceAsync(request, tenant, context, cluster, quotas),
            VoiceTypes.AudioSample => ApiProblem.BadRequest(
                "type audio_sample (the default when type is left out) needs multipart/form-data with name, consent and the audio_sample file; for a voice from a description send type \"prompt\".").ToResult(context),
            var other => UnknownType(other).ToResult(context),
        };
    }

    private static async Task<IResult> CreatePromptVoiceAsync(CreateAudioVoiceRequest request, Tenant tenant, HttpContext context, IClusterClient cluster,
        TenantQuotas quotas)
    {
        if (ValidateName(request.Name) is { } badName)
        {
            return badName.ToResult(context);
        }

        var prompt = request.Prompt is null ? "" : TextNormalizer.Normalize(request.Prompt);
        if (prompt.Length == 0 || prompt.Length > MaxPrompt)
        {
            return ApiProblem.BadRequest($"prompt is required: a description of the voice (not only whitespace, at most {MaxPrompt} characters), e.g. \"a calm, low female voice\".").ToResult(context);
        }

        string? script = null;
        if (request.ScriptHint is not null)
        {
            script = TextNormalizer.Normalize(request.ScriptHint);
            if (script.Length < MinScript || script.Length > MaxScript)
            {
                return ApiProblem.BadRequest($"script_hint must have {MinScript} to {MaxScript} characters after trimming whitespace; leave it out to use a short script in the voice's language.").ToResult(context);
            }
        }

        if (request.Model is { } model && model != "auto" && !SpeechPlanner.Models.Contains(model, StringComparer.OrdinalIgnoreCase))
        {
            return ApiProblem.BadRequest($"model '{model}' is not served here; use auto or one of: {string.Join(", ", SpeechPlanner.Models)}.").ToResult(context);
        }

        var language = SupportedLanguages.Canonical(request.Language ?? (script is null ? SupportedLanguages.Auto : LanguageDetector.Detect(script)));
        if (language is null)
        {
            return ApiProblem.BadRequest($"language '{request.Language}' is not supported; use {SupportedLanguages.Describe()}.").ToResult(context);
        }

        // Deriving the prompt is card work: the request rate first, and the work stops if the caller goes away.
        if (await quotas.TakeRequestAsync(tenant) is { } limited)
        {
            return limited.ToResult(context);
        }

        var id = VoiceIds.New();
        var design = new VoiceDesign(prompt, language, null, script, id, request.Name!.Trim());
        var result = await cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(tenant.Id, id)).CreateAsync(design, context.RequestAborted);
        return TypedResults.Ok(AudioVoiceResponse.Of(result.Profile!));
    }

    private static async Task<IResult> CreateSampleVoiceAsync(IFormCollection form, Tenant tenant, HttpContext context, IClusterClient cluster, VoiceConsentStore consents,
        TenantQuotas quotas, VoiceOptions options)
    {
        string? name = form["name"];
        if (ValidateName(name) is { } badName)
        {
            return badName.ToResult(context);
        }

        string? consentId = form["consent"];
        if (string.IsNullOrWhiteSpace(consentId))
        {
            return ApiProblem.BadRequest("consent is required: the id (cons_...) of a consent recording of your tenant, see POST /v1/audio/voice_consents.").ToResult(context);
        }

        var consent = await consents.GetAsync(tenant.Id, consentId.Trim(), context.RequestAborted);
        if (consent is null)
        {
            return ApiProblem.NotFound($"consent '{consentId}' does not exist for your tenant.").ToResult(context);
        }

        if (consent.SpeakerEmbedding is null)
        {
            return ApiProblem.BadRequest($"consent '{consent.Id}' was recorded before this server compared a voice's speaker with its consent's; " +
                                         "upload the consent recording again (POST /v1/audio/voice_consents) and use the new consent.").ToResult(context);
        }

        string? language = form["language"];
        var voiceLanguage = language is null ? SupportedLanguages.Canonical(consent.Language) ?? SupportedLanguages.Auto : SupportedLanguages.Canonical(language);
        if (voiceLanguage is null)
        {
            return ApiProblem.BadRequest($"language '{language}' is not supported; use {SupportedLanguages.Describe()}.").ToResult(context);
        }

        string? referenceText = form["ref_text"];
        if (referenceText is not null && (referenceText = TextNormalizer.Normalize(referenceText)).Length == 0)
        {
            return ApiProblem.BadRequest("ref_text, when given, is the transcript of audio_sample and must not be empty.").ToResult(context);
        }

        var (recording, problem) = await RecordingUpload.ReadAsync(form, "audio_sample", context.RequestAborted);
        if (problem is not null)
        {
            return problem.ToResult(context);
        }

        if (await quotas.TakeRequestAsync(tenant) is { } limited)
        {
            return limited.ToResult(context);
        }

        var id = VoiceIds.New();
        string? description = form["speaker_description"];
        var sample = new VoiceSample(id, name!.Trim(), voiceLanguage, consent.Id, recording!.Samples, referenceText,
            string.IsNullOrWhiteSpace(description) ? null : TextNormalizer.Normalize(description), consent.SpeakerEmbedding, options.ConsentMinSimilarity);
        var result = await cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(tenant.Id, id)).CreateFromSampleAsync(sample, context.RequestAborted);
        return result.Status switch
        {
            VoiceWriteStatus.CannotDerive => ApiProblem.BadRequest($"the voice could not be cloned: {result.Problem}.").ToResult(context),
            VoiceWriteStatus.SpeakerMismatch => new ApiProblem(StatusCodes.Status400BadRequest, "Speaker does not match the consent",
                $"{result.Problem} (Voices:ConsentMinSimilarity). A voice from a recording must be of the person who recorded the consent; " +
                "record the consent with the same speaker, or use that person's consent.").ToResult(context),
            _ => TypedResults.Ok(AudioVoiceResponse.Of(result.Profile!)),
        };
    }

    /// <summary>The grain of a voice id of this tenant, or null.</summary>
    private static async Task<IVoiceProfileGrain?> FindAsync(string id, Tenant tenant, IClusterClient cluster)
    {
        var name = await cluster.GetGrain<ITenantVoicesGrain>(tenant.Id).FindNameAsync(id);
        return name is null ? null : cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(tenant.Id, name));
    }

    private static ApiProblem? ValidateName(string? name) => string.IsNullOrWhiteSpace(name) || name.Trim().Length > MaxName
        ? ApiProblem.BadRequest($"name is required: a label for the voice, at most {MaxName} characters.")
        : null;

    private static ApiProblem UnknownType(string type) => ApiProblem.BadRequest($"type '{type}' is not known; use prompt (a voice from a description) or audio_sample (a voice from a recording).");

    private static ApiProblem NotFound(string id) => ApiProblem.NotFound($"voice '{id}' does not exist for your tenant.");
}
