using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Frontend.Hosting;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Text;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Voices;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech;

/// <summary>Checks a speech request field by field and resolves its voice; every problem is a 4xx that names the field.</summary>
public sealed class SpeechPlanner(IClusterClient cluster, IOptions<SpeechLimits> limits, SentenceSegmenter segmenter, ReferenceAudioCloner cloner)
{
    /// <summary>The most codec frames a segment may ask for with max_new_tokens (about 5.5 minutes of audio).</summary>
    public const int MaxNewTokensLimit = 4096;

    public static readonly string[] Models = ["qwen3-tts", "qwen3-tts-12hz", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

    public async Task<(SpeechPlan? Plan, ApiProblem? Problem)> PlanAsync(SpeechRequest request, Tenant tenant)
    {
        var max = limits.Value;
        if (string.IsNullOrWhiteSpace(request.Input))
        {
            return Fail("input is required and must not be empty.");
        }

        if (request.Input.Length > max.MaxInputCharacters)
        {
            return Fail($"input has {request.Input.Length} characters; the limit is {max.MaxInputCharacters}.");
        }

        var text = TextNormalizer.Normalize(request.Input);
        if (text.Length == 0)
        {
            return Fail("input contains no speakable characters after normalisation (only spaces or control characters).");
        }

        var (settings, problem) = await PlanSettingsAsync(request, tenant, AudioEncoders.Formats);
        if (problem is not null)
        {
            return (null, problem);
        }

        var language = settings!.LanguageFor(text);
        var plan = new SpeechPlan(tenant, "speech_" + Guid.NewGuid().ToString("N"), segmenter.Split(text), language, settings.Voice,
            settings.VoiceName, settings.Seed, settings.Format, settings.Speed, settings.ServerSentEvents, text.Length, settings.MaxNewTokens);
        return (plan, null);
    }

    /// <summary>Everything of a request but its input: format, speed, language, voice (the WebSocket's session.config).</summary>
    public async Task<(SpeechSettings? Settings, ApiProblem? Problem)> PlanSettingsAsync(SpeechRequest request, Tenant tenant, IReadOnlyCollection<string> formats)
    {
        var max = limits.Value;
        if (request.Model is { } model && !Models.Contains(model, StringComparer.OrdinalIgnoreCase))
        {
            return Fail<SpeechSettings>($"model '{model}' is not served here; use one of: {string.Join(", ", Models)}.");
        }

        var format = (request.ResponseFormat ?? formats.First()).ToLowerInvariant();
        if (!formats.Contains(format))
        {
            return Fail<SpeechSettings>($"response_format '{request.ResponseFormat}' is not supported; use one of: {string.Join(", ", formats)}.");
        }

        var speed = request.Speed ?? 1.0;
        if (double.IsNaN(speed) || speed < 0.25 || speed > 4.0)
        {
            return Fail<SpeechSettings>("speed must be between 0.25 and 4.0.");
        }

        var streamFormat = (request.StreamFormat ?? "audio").ToLowerInvariant();
        if (streamFormat is not ("audio" or "sse"))
        {
            return Fail<SpeechSettings>($"stream_format '{request.StreamFormat}' is not supported; use audio or sse.");
        }

        var language = SupportedLanguages.Canonical(request.Language ?? SupportedLanguages.Auto);
        if (language is null)
        {
            return Fail<SpeechSettings>($"language '{request.Language}' is not supported; use {SupportedLanguages.Describe()}.");
        }

        if (request.Instructions is { Length: var n } && n > max.MaxInstructionCharacters)
        {
            return Fail<SpeechSettings>($"instructions has {n} characters; the limit is {max.MaxInstructionCharacters}.");
        }

        if (request.MaxNewTokens is < 1 or > MaxNewTokensLimit)
        {
            return Fail<SpeechSettings>($"max_new_tokens must be between 1 and {MaxNewTokensLimit} (codec frames, 12.5 a second).");
        }

        var instructions = string.IsNullOrWhiteSpace(request.Instructions) ? null : TextNormalizer.Normalize(request.Instructions);
        if (CheckTask(request) is { } taskProblem)
        {
            return (null, taskProblem);
        }

        var (voice, seed, voiceLanguage, problem) = request.RefAudio is not null
            ? await CloneReferenceAsync(request, instructions)
            : await ResolveVoiceAsync(request.Voice, instructions, tenant);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (IsTask(request, ReferenceAudioCloner.Base) && voice!.ClonePrompt is null)
        {
            return Fail<SpeechSettings>(cloner.CanClone
                ? "task_type Base speaks a cloned voice: send ref_audio (a base64 data URL) with ref_text, or a voice made from a recording (see /v1/audio/voices), without instructions."
                : $"task_type Base needs the Base model; loaded: {cloner.Loaded()}.");
        }

        if (language == SupportedLanguages.Auto && voiceLanguage is { } preferred && preferred != SupportedLanguages.Auto)
        {
            language = preferred;
        }

        return (new SpeechSettings(format, speed, streamFormat == "sse", language, voice!, request.Voice?.Value, request.Seed ?? seed, request.MaxNewTokens), null);
    }

    /// <summary>vLLM-Omni's task_type against what the request carries and what the cards hold.</summary>
    private ApiProblem? CheckTask(SpeechRequest request)
    {
        if (request.TaskType is { } task && !IsTask(request, ReferenceAudioCloner.VoiceDesign) && !IsTask(request, ReferenceAudioCloner.Base)
            && !IsTask(request, ReferenceAudioCloner.CustomVoice))
        {
            return ApiProblem.BadRequest($"task_type '{task}' is not known; use VoiceDesign, Base or CustomVoice.");
        }

        if (IsTask(request, ReferenceAudioCloner.CustomVoice))
        {
            return ApiProblem.BadRequest($"task_type CustomVoice needs the CustomVoice model (preset speakers), which is not loaded here; loaded: {cloner.Loaded()}. " +
                                         "Use VoiceDesign (instructions or a saved voice) or Base (ref_audio).");
        }

        if (request.RefAudio is null)
        {
            return request.RefText is not null || request.XVectorOnlyMode is not null
                ? ApiProblem.BadRequest("ref_text and x_vector_only_mode go with ref_audio (task_type Base); send ref_audio too or leave them out.")
                : null;
        }

        if (IsTask(request, ReferenceAudioCloner.VoiceDesign))
        {
            return ApiProblem.BadRequest("ref_audio is for task_type Base (cloning); leave it out for VoiceDesign.");
        }

        return request.Voice is not null ? ApiProblem.BadRequest("give voice or ref_audio, not both.") : null;
    }

    private static bool IsTask(SpeechRequest request, string task) => string.Equals(request.TaskType, task, StringComparison.OrdinalIgnoreCase);

    private async Task<(VoiceSpec? Voice, ulong Seed, string? Language, ApiProblem? Problem)> CloneReferenceAsync(SpeechRequest request, string? instructions)
    {
        var (voice, problem) = await cloner.CloneAsync(request, instructions, CancellationToken.None);
        return (voice, RandomSeed(), null, problem);
    }

    private async Task<(VoiceSpec? Voice, ulong Seed, string? Language, ApiProblem? Problem)> ResolveVoiceAsync(VoiceReference? voice, string? instructions, Tenant tenant)
    {
        if (voice is null || string.IsNullOrWhiteSpace(voice.Value))
        {
            return instructions is null
                ? (null, 0, null, ApiProblem.BadRequest("give voice (a named voice) or instructions (a description of the voice)."))
                : (VoiceSpec.Designed(instructions), RandomSeed(), null, null);
        }

        var name = voice.Value;
        var profile = voice.IsId ? await FindByIdAsync(name, tenant) : await FindAsync(name, tenant);
        if (profile is not null)
        {
            if (profile.ClonePrompt is null)
            {
                // A prompt voice made while no card held the Base model: derived now if one does (stored once).
                profile = await cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(tenant.Id, profile.Name)).EnsureClonePromptAsync() ?? profile;
            }

            if (profile.Type == VoiceTypes.AudioSample && instructions is not null)
            {
                return (null, 0, null, ApiProblem.BadRequest(
                    $"voice '{name}' was cloned from a recording; instructions need the VoiceDesign model and cannot be applied to it. Leave instructions out."));
            }

            // Style instructions go on top of the description; they need the VoiceDesign model, so a prompt voice
            // with instructions is spoken from its description and seed.
            var description = instructions is null ? profile.Description : $"{profile.Description} {instructions}";
            var spec = new VoiceSpec { Description = description, ClonePrompt = instructions is null ? profile.ClonePrompt : null };
            return (spec, profile.Seed, profile.Language, null);
        }

        if (!voice.IsId && BuiltinVoices.All.TryGetValue(name, out var builtin))
        {
            var description = instructions is null ? builtin.Description : $"{builtin.Description} {instructions}";
            return (VoiceSpec.Designed(description), builtin.Seed, null, null);
        }

        return (null, 0, null, ApiProblem.NotFound(voice.IsId
            ? $"voice id '{name}' does not exist for your tenant (see GET /v1/audio/voices)."
            : $"voice '{name}' is not one of your tenant's voices (see GET /v1/voices) nor a built-in voice ({string.Join(", ", BuiltinVoices.All.Keys)})."));
    }

    /// <summary>
    /// A tenant's voice by name, then by id (a string voice may be an id too), then by the display name of exactly one
    /// voice (vLLM-Omni speaks uploaded voices by their name; a built-in name stays the built-in voice).
    /// </summary>
    private async Task<VoiceProfile?> FindAsync(string name, Tenant tenant)
    {
        var profile = VoiceKey.IsValidName(name) ? await ReadTenantVoiceAsync(tenant, name) : null;
        profile ??= name.StartsWith("voice_", StringComparison.Ordinal) ? await FindByIdAsync(name, tenant) : null;
        if (profile is null && !BuiltinVoices.All.ContainsKey(name)
            && await TransientClusterCalls.RetryAsync(() => cluster.GetGrain<ITenantVoicesGrain>(tenant.Id).FindByDisplayNameAsync(name)) is { } keyName)
        {
            profile = await ReadTenantVoiceAsync(tenant, keyName);
        }

        return profile;
    }

    private async Task<VoiceProfile?> FindByIdAsync(string id, Tenant tenant)
    {
        var name = await TransientClusterCalls.RetryAsync(() => cluster.GetGrain<ITenantVoicesGrain>(tenant.Id).FindNameAsync(id));
        return name is null ? null : await ReadTenantVoiceAsync(tenant, name);
    }

    /// <summary>
    /// The tenant's voice of that name, or null when it has none. When the voice cannot be read (PostgreSQL down and the
    /// voice not in memory) the request fails with the storage error (a 503), unless the name is a built-in one and the
    /// tenant's voice list, still readable, says the tenant has no voice of that name. Never another voice in its place.
    /// </summary>
    private async Task<VoiceProfile?> ReadTenantVoiceAsync(Tenant tenant, string name)
    {
        try
        {
            return await TransientClusterCalls.RetryAsync(() => cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(tenant.Id, name)).GetAsync());
        }
        catch (Exception ex) when (BuiltinVoices.All.ContainsKey(name) && ex is OrleansException or TimeoutException)
        {
            if (await TenantListsNoVoiceNamedAsync(tenant, name))
            {
                return null;
            }

            throw;
        }
    }

    /// <summary>True only when the tenant's voice list could be read and has no voice of that name.</summary>
    private async Task<bool> TenantListsNoVoiceNamedAsync(Tenant tenant, string name)
    {
        try
        {
            var voices = await TransientClusterCalls.RetryAsync(() => cluster.GetGrain<ITenantVoicesGrain>(tenant.Id).ListAsync());
            return !voices.Any(v => string.Equals(v.Name, name, StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return false;
        }
    }

    private static ulong RandomSeed() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    private static (T?, ApiProblem?) Fail<T>(string detail) where T : class => (null, ApiProblem.BadRequest(detail));

    private static (SpeechPlan?, ApiProblem?) Fail(string detail) => Fail<SpeechPlan>(detail);
}
