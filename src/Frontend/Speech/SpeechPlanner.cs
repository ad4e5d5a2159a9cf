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
public sealed class SpeechPlanner(IClusterClient cluster, IOptions<SpeechLimits> limits, SentenceSegmenter segmenter)
{
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
            settings.VoiceName, settings.Seed, settings.Format, settings.Speed, settings.ServerSentEvents, text.Length);
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

        var language = (request.Language ?? SupportedLanguages.Auto).Trim().ToLowerInvariant();
        if (!SupportedLanguages.IsSupported(language))
        {
            return Fail<SpeechSettings>($"language '{request.Language}' is not supported; use auto or one of: {string.Join(", ", SupportedLanguages.All)}.");
        }

        if (request.Instructions is { Length: var n } && n > max.MaxInstructionCharacters)
        {
            return Fail<SpeechSettings>($"instructions has {n} characters; the limit is {max.MaxInstructionCharacters}.");
        }

        var instructions = string.IsNullOrWhiteSpace(request.Instructions) ? null : TextNormalizer.Normalize(request.Instructions);
        var (voice, seed, voiceLanguage, problem) = await ResolveVoiceAsync(request.Voice, instructions, tenant);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (language == SupportedLanguages.Auto && voiceLanguage is { } preferred && preferred != SupportedLanguages.Auto)
        {
            language = preferred;
        }

        return (new SpeechSettings(format, speed, streamFormat == "sse", language, voice!, request.Voice, request.Seed ?? seed), null);
    }

    private async Task<(VoiceSpec? Voice, ulong Seed, string? Language, ApiProblem? Problem)> ResolveVoiceAsync(string? name, string? instructions, Tenant tenant)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return instructions is null
                ? (null, 0, null, ApiProblem.BadRequest("give voice (a named voice) or instructions (a description of the voice)."))
                : (VoiceSpec.Designed(instructions), RandomSeed(), null, null);
        }

        if (VoiceKey.IsValidName(name))
        {
            var profile = await ReadTenantVoiceAsync(tenant, name);

            if (profile is not null)
            {
                // Style instructions go on top of the description; they need the VoiceDesign model, so a cloned voice
                // with instructions is spoken from its description and seed.
                var description = instructions is null ? profile.Description : $"{profile.Description} {instructions}";
                var spec = new VoiceSpec { Description = description, ClonePrompt = instructions is null ? profile.ClonePrompt : null };
                return (spec, profile.Seed, profile.Language, null);
            }
        }

        if (BuiltinVoices.All.TryGetValue(name, out var builtin))
        {
            var description = instructions is null ? builtin.Description : $"{builtin.Description} {instructions}";
            return (VoiceSpec.Designed(description), builtin.Seed, null, null);
        }

        return (null, 0, null, ApiProblem.NotFound(
            $"voice '{name}' is not one of your tenant's voices (see GET /v1/voices) nor a built-in voice ({string.Join(", ", BuiltinVoices.All.Keys)})."));
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
