using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Audio.Effects;
using QwenTts.Frontend.Hosting;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Text;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Voices;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// Checks a speech request field by field and resolves its voice; every problem is a 4xx that names the field. Planning
/// costs no card time: what a voice still needs from a card (cloning ref_audio, deriving a pending prompt) is left in
/// the plan as a <see cref="PendingVoice"/>, for <see cref="PrepareVoiceAsync"/> once the request is within its limits.
/// </summary>
public sealed class SpeechPlanner(IClusterClient cluster, ClusterReads reads, IOptions<SpeechLimits> limits, SpeechTextPlanner texts, ReferenceAudioCloner cloner)
{
    /// <summary>The most codec frames a segment may ask for with max_new_tokens (about 5.5 minutes of audio).</summary>
    public const int MaxNewTokensLimit = 4096;

    public static readonly string[] Models = ["qwen3-tts", "qwen3-tts-12hz", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"];

    public async Task<(SpeechPlan? Plan, ApiProblem? Problem)> PlanAsync(SpeechRequest request, Tenant tenant, CancellationToken cancellationToken = default)
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

        var (settings, problem) = await PlanSettingsAsync(request, tenant, SpeechSurface.Speech);
        if (problem is not null)
        {
            return (null, problem);
        }

        var (text, textProblem) = await texts.PlanAsync(request, tenant, settings!, cancellationToken);
        if (textProblem is not null)
        {
            return (null, textProblem);
        }

        var plan = new SpeechPlan(tenant, "speech_" + Guid.NewGuid().ToString("N"), text!.Segments, text.Language, settings!.Voice,
            settings.VoiceName, settings.Seed, settings.Format, settings.Speed, settings.ServerSentEvents, text.Characters, settings.MaxNewTokens,
            settings.Pending, settings.VoiceSource, settings.SampleRate, settings.Pitch, settings.Volume, text.Styles, text.TrailingPauseMilliseconds, text.Spans);
        return (plan, null);
    }

    /// <summary>The plan with its voice's card work done (see <see cref="PrepareVoiceAsync(SpeechSettings, CancellationToken)"/>).</summary>
    public async Task<(SpeechPlan? Plan, ApiProblem? Problem)> PrepareVoiceAsync(SpeechPlan plan, CancellationToken cancellationToken)
    {
        if (plan.PendingVoice is null)
        {
            return (plan, null);
        }

        var (voice, source, problem) = await PrepareAsync(plan.PendingVoice, plan.Voice, plan.VoiceSource, cancellationToken);
        return problem is not null ? (null, problem) : (plan with { Voice = voice, VoiceSource = source, PendingVoice = null }, null);
    }

    /// <summary>
    /// Does the card work a voice still needs: clones ref_audio, or derives a pending prompt voice's prompt when a card with
    /// the Base model is up (else it is spoken from its description and seed, as before). Call it only once the request
    /// passed its limits; it stops when <paramref name="cancellationToken"/> does (the caller went away).
    /// </summary>
    public async Task<(SpeechSettings? Settings, ApiProblem? Problem)> PrepareVoiceAsync(SpeechSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Pending is null)
        {
            return (settings, null);
        }

        var (voice, source, problem) = await PrepareAsync(settings.Pending, settings.Voice, settings.VoiceSource, cancellationToken);
        return problem is not null ? (null, problem) : (settings with { Voice = voice, VoiceSource = source, Pending = null }, null);
    }

    private async Task<(VoiceSpec Voice, string Source, ApiProblem? Problem)> PrepareAsync(PendingVoice pending, VoiceSpec voice, string source,
        CancellationToken cancellationToken)
    {
        switch (pending)
        {
            case PendingVoice.ReferenceClone clone:
                var (cloned, problem) = await cloner.CloneAsync(clone.Audio, clone.Instructions, cancellationToken);
                return (cloned ?? voice, VoiceSources.ReferenceAudio, problem);
            case PendingVoice.StoredPrompt stored:
                var grain = cluster.GetGrain<IVoiceProfileGrain>(VoiceKey.Of(stored.Tenant, stored.Name));
                return (await grain.EnsureClonePromptAsync(cancellationToken))?.ClonePrompt is { } prompt
                    ? (voice with { ClonePrompt = prompt }, VoiceSources.StoredPrompt, null)
                    : (voice, source, null);
            default:
                throw new ArgumentOutOfRangeException(nameof(pending), pending, "unknown pending voice");
        }
    }

    /// <summary>Everything of a request but its input: fields, format, speed, language, voice (jobs, the WebSocket's session.config).</summary>
    public async Task<(SpeechSettings? Settings, ApiProblem? Problem)> PlanSettingsAsync(SpeechRequest request, Tenant tenant, SpeechSurface surface)
    {
        if (SpeechFields.Check(request, surface) is { } refused)
        {
            return Fail<SpeechSettings>(refused);
        }

        var max = limits.Value;
        var formats = surface.Formats;
        if (request.Model is { } model && !Models.Contains(model, StringComparer.OrdinalIgnoreCase))
        {
            return Fail<SpeechSettings>($"model '{model}' is not served here; use one of: {string.Join(", ", Models)}.");
        }

        var format = (request.ResponseFormat ?? formats.First()).ToLowerInvariant();
        if (!formats.Contains(format))
        {
            return Fail<SpeechSettings>($"response_format '{request.ResponseFormat}' is not supported; use one of: {string.Join(", ", formats)}.");
        }

        var (sampleRate, rateProblem) = SampleRateOf(request.SampleRate, format);
        if (rateProblem is not null)
        {
            return Fail<SpeechSettings>(rateProblem);
        }

        var speed = request.Speed ?? 1.0;
        if (double.IsNaN(speed) || speed < SpeechControls.MinSpeed || speed > SpeechControls.MaxSpeed)
        {
            return Fail<SpeechSettings>("speed must be between 0.25 and 4.0.");
        }

        var pitch = request.Pitch ?? 0.0;
        if (double.IsNaN(pitch) || pitch < SpeechControls.MinPitch || pitch > SpeechControls.MaxPitch)
        {
            return Fail<SpeechSettings>($"pitch {request.Pitch} is out of range: it is a shift in semitones between -12 and 12 (0 leaves the pitch).");
        }

        var volume = request.Volume ?? 1.0;
        if (double.IsNaN(volume) || volume < SpeechControls.MinVolume || volume > SpeechControls.MaxVolume)
        {
            return Fail<SpeechSettings>($"volume {request.Volume} is out of range: it is a linear gain between 0.0 and 4.0 (1.0 leaves the loudness).");
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
        if (CheckTask(request, tenant) is { } taskProblem)
        {
            return (null, taskProblem);
        }

        var (resolved, problem) = request.RefAudio is not null
            ? CheckReference(request, instructions)
            : await ResolveVoiceAsync(request.Voice, instructions, tenant);
        if (problem is not null)
        {
            return (null, problem);
        }

        var (voice, seed, voiceLanguage, pending, source) = resolved!;
        if (IsTask(request, ReferenceAudioCloner.Base) && voice.ClonePrompt is null && pending is not PendingVoice.ReferenceClone)
        {
            return Fail<SpeechSettings>(cloner.CanClone
                ? "task_type Base speaks a cloned voice: send ref_audio (a base64 data URL) with ref_text, or a voice made from a recording (see /v1/audio/voices), without instructions."
                : $"task_type Base needs the Base model; loaded: {cloner.Loaded()}.");
        }

        if (language == SupportedLanguages.Auto && voiceLanguage is { } preferred && preferred != SupportedLanguages.Auto)
        {
            language = preferred;
        }

        return (new SpeechSettings(format, speed, streamFormat == "sse", language, voice, request.Voice?.Value, request.Seed ?? seed, request.MaxNewTokens,
            pending, source, sampleRate, pitch, volume), null);
    }

    /// <summary>The output rate: the request's if it is one we send, the format's own for G.711, else the model's.</summary>
    private static (int Rate, string? Problem) SampleRateOf(int? requested, string format)
    {
        if (AudioEncoders.FixedRate(format) is { } fixedRate)
        {
            return requested is null || requested == fixedRate
                ? (fixedRate, null)
                : (0, $"sample_rate {requested} is not possible with response_format {format}: it is G.711 at {fixedRate} Hz only; send {fixedRate} or leave sample_rate out.");
        }

        return requested is null || AudioEncoders.SampleRates.Contains(requested.Value)
            ? (requested ?? SpeechStreamer.SampleRate, null)
            : (0, $"sample_rate {requested} is not supported; use one of: {string.Join(", ", AudioEncoders.SampleRates)} (default {SpeechStreamer.SampleRate}, the model's rate).");
    }

    /// <summary>A request's voice as resolved without card work, and the card work it still needs.</summary>
    private sealed record ResolvedVoice(VoiceSpec Voice, ulong Seed, string? Language, PendingVoice? Pending, string Source);

    /// <summary>vLLM-Omni's task_type against what the request carries, what the cards hold and what the tenant may do.</summary>
    private ApiProblem? CheckTask(SpeechRequest request, Tenant tenant)
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

        if (!tenant.ReferenceCloning)
        {
            return new ApiProblem(StatusCodes.Status403Forbidden, "Cloning from ref_audio is off",
                $"one-shot cloning from ref_audio is not enabled for tenant '{tenant.Id}' (an operator turns it on: admin set-tenant {tenant.Id} " +
                "--reference-cloning on). A voice from a recording under a consent (POST /v1/audio/voices) needs no such setting.");
        }

        if (IsTask(request, ReferenceAudioCloner.VoiceDesign))
        {
            return ApiProblem.BadRequest("ref_audio is for task_type Base (cloning); leave it out for VoiceDesign.");
        }

        return request.Voice is not null ? ApiProblem.BadRequest("give voice or ref_audio, not both.") : null;
    }

    private static bool IsTask(SpeechRequest request, string task) => string.Equals(request.TaskType, task, StringComparison.OrdinalIgnoreCase);

    /// <summary>ref_audio checked for shape now; decoded and cloned by <see cref="PrepareVoiceAsync(SpeechPlan, CancellationToken)"/>.</summary>
    private (ResolvedVoice?, ApiProblem?) CheckReference(SpeechRequest request, string? instructions)
    {
        var (audio, problem) = cloner.Check(request);
        return problem is not null
            ? (null, problem)
            : (new ResolvedVoice(new VoiceSpec { Description = instructions ?? "" }, RandomSeed(), null, new PendingVoice.ReferenceClone(audio!, instructions),
                VoiceSources.ReferenceAudio), null);
    }

    private async Task<(ResolvedVoice?, ApiProblem?)> ResolveVoiceAsync(VoiceReference? voice, string? instructions, Tenant tenant)
    {
        if (voice is null || string.IsNullOrWhiteSpace(voice.Value))
        {
            return instructions is null
                ? (null, ApiProblem.BadRequest("give voice (a named voice) or instructions (a description of the voice)."))
                : (new ResolvedVoice(VoiceSpec.Designed(instructions), RandomSeed(), null, null, VoiceSources.Description), null);
        }

        var name = voice.Value;
        var profile = voice.IsId ? await FindByIdAsync(name, tenant) : await FindAsync(name, tenant);
        if (profile is not null)
        {
            if (profile.Type == VoiceTypes.AudioSample && instructions is not null)
            {
                return (null, ApiProblem.BadRequest(
                    $"voice '{name}' was cloned from a recording; instructions need the VoiceDesign model and cannot be applied to it. Leave instructions out."));
            }

            if (instructions is not null)
            {
                // Style instructions go on top of the description; they need the VoiceDesign model, which cannot speak from
                // a stored prompt, so the voice is spoken from its description and seed and the answer says so.
                return (new ResolvedVoice(new VoiceSpec { Description = $"{profile.Description} {instructions}" }, profile.Seed, profile.Language, null,
                    VoiceSources.DescriptionWithInstructions), null);
            }

            var spec = new VoiceSpec { Description = profile.Description, ClonePrompt = profile.ClonePrompt };
            return profile.ClonePrompt is not null
                ? (new ResolvedVoice(spec, profile.Seed, profile.Language, null, VoiceSources.StoredPrompt), null)
                // A prompt voice made while no card held the Base model: derived once the request is within its limits, if a card can.
                : (new ResolvedVoice(spec, profile.Seed, profile.Language,
                    profile.Type == VoiceTypes.Prompt ? new PendingVoice.StoredPrompt(tenant.Id, profile.Name) : null, VoiceSources.Description), null);
        }

        if (!voice.IsId && BuiltinVoices.All.TryGetValue(name, out var builtin))
        {
            return instructions is null
                ? (new ResolvedVoice(VoiceSpec.Designed(builtin.Description), builtin.Seed, null, null, VoiceSources.Description), null)
                : (new ResolvedVoice(VoiceSpec.Designed($"{builtin.Description} {instructions}"), builtin.Seed, null, null, VoiceSources.DescriptionWithInstructions), null);
        }

        return (null, ApiProblem.NotFound(voice.IsId
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
            && await reads.ReadAsync($"voices/{tenant.Id}/display/{name}", () => cluster.GetGrain<ITenantVoicesGrain>(tenant.Id).FindByDisplayNameAsync(name), Found) is { } keyName)
        {
            profile = await ReadTenantVoiceAsync(tenant, keyName);
        }

        return profile;
    }

    private async Task<VoiceProfile?> FindByIdAsync(string id, Tenant tenant)
    {
        var name = await reads.ReadAsync($"voices/{tenant.Id}/id/{id}", () => cluster.GetGrain<ITenantVoicesGrain>(tenant.Id).FindNameAsync(id), Found);
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
            var key = VoiceKey.Of(tenant.Id, name);
            // "No such voice" is kept for built-in names only (the answer every request with one needs); others could be anything.
            return await reads.ReadAsync("voice/" + key, () => cluster.GetGrain<IVoiceProfileGrain>(key).GetAsync(),
                profile => profile is not null || BuiltinVoices.All.ContainsKey(name));
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
            var voices = await reads.ReadAsync($"voices/{tenant.Id}", () => cluster.GetGrain<ITenantVoicesGrain>(tenant.Id).ListAsync(), static _ => true);
            return !voices.Any(v => string.Equals(v.Name, name, StringComparison.Ordinal));
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            return false;
        }
    }

    private static bool Found<T>(T? answer) => answer is not null;

    private static ulong RandomSeed() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    private static (T?, ApiProblem?) Fail<T>(string detail) where T : class => (null, ApiProblem.BadRequest(detail));

    private static (SpeechPlan?, ApiProblem?) Fail(string detail) => Fail<SpeechPlan>(detail);
}
