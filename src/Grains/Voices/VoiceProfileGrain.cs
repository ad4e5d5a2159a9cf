using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Voices;

/// <summary>
/// A tenant's named voice. Always stored: description, language and seed, so sampling is reproducible. When a card
/// holds the Base model, the official design-then-clone prompt is derived once (x-vector, reference codes and text)
/// and every later sentence, on any card, is spoken from that stored prompt. A voice made while no card holds the
/// Base model says so (<see cref="VoiceProfile.PromptStatus"/> "pending", with the reason) and is derived on its next
/// use once one does.
/// </summary>
public sealed partial class VoiceProfileGrain(
    [PersistentState("voice", StorageNames.Voices)] IPersistentState<VoiceProfileState> state,
    TimeProvider clock,
    ILogger<VoiceProfileGrain> logger) : Grain, IVoiceProfileGrain
{
    private const string NoBaseModel = "no card holds the Base model; the prompt is derived when one does, until then the voice is spoken from its description and seed";

    public Task<VoiceProfile?> GetAsync() => Task.FromResult(state.State.Profile);

    public async Task<VoiceWriteResult> CreateAsync(VoiceDesign design, CancellationToken cancellationToken = default)
    {
        if (state.State.Profile is not null)
        {
            return new VoiceWriteResult(VoiceWriteStatus.AlreadyExists, state.State.Profile);
        }

        var (tenant, name) = VoiceKey.Parse(this.GetPrimaryKeyString());
        var now = clock.GetUtcNow();
        var seed = design.Seed ?? NewSeed();
        var (prompt, problem) = await DeriveClonePromptAsync(design, seed, cancellationToken);
        var profile = new VoiceProfile(tenant, name, design.Description, design.Language, seed, now, now, prompt,
            design.Id ?? VoiceIds.New(), VoiceTypes.Prompt, design.DisplayName ?? name, design.ScriptHint, null, problem);
        await SaveAsync(profile);
        return new VoiceWriteResult(VoiceWriteStatus.Created, profile);
    }

    public async Task<VoiceWriteResult> CreateFromSampleAsync(VoiceSample sample, CancellationToken cancellationToken = default)
    {
        if (state.State.Profile is not null)
        {
            return new VoiceWriteResult(VoiceWriteStatus.AlreadyExists, state.State.Profile);
        }

        if (sample.ConsentSpeaker is not { Length: > 0 })
        {
            return new VoiceWriteResult(VoiceWriteStatus.CannotDerive, null,
                $"consent '{sample.ConsentId}' has no measured speaker (it was recorded before consents were compared with voices); upload the consent recording again");
        }

        var snapshot = await GrainFactory.GetGrain<IDeviceRegistryGrain>(0).GetSnapshotAsync();
        var card = snapshot.Devices.Where(d => d.CanClone && d.HasRoom).OrderBy(d => d.ExpectedCompletionSeconds(40)).FirstOrDefault();
        if (card is null)
        {
            return new VoiceWriteResult(VoiceWriteStatus.CannotDerive, null, snapshot.Devices.Any(d => d.CanClone)
                ? "every card with the Base model is full; try again shortly"
                : "no card holds the Base model, which voices from a recording need; the loaded models serve VoiceDesign only");
        }

        VoiceClonePrompt prompt;
        try
        {
            prompt = await GrainFactory.GetGrain<IDeviceGrain>(card.Device.Key).CloneRecordingAsync(sample.Samples, sample.ReferenceText, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCloneFailed(this.GetPrimaryKeyString(), card.Device.Key, ex.Message);
            return new VoiceWriteResult(VoiceWriteStatus.CannotDerive, null, $"deriving the prompt on {card.Device.Key} failed: {ex.Message}");
        }

        // The consent means something only if it is the same person: the two recordings' speaker embeddings must agree.
        double similarity;
        try
        {
            similarity = SpeakerSimilarity.Cosine(prompt.SpeakerEmbedding, sample.ConsentSpeaker);
        }
        catch (ArgumentException ex)
        {
            return new VoiceWriteResult(VoiceWriteStatus.CannotDerive, null, $"the consent's speaker cannot be compared: {ex.Message}; upload the consent recording again");
        }

        if (similarity < sample.MinConsentSimilarity)
        {
            LogSpeakerMismatch(this.GetPrimaryKeyString(), sample.ConsentId, similarity, sample.MinConsentSimilarity);
            return new VoiceWriteResult(VoiceWriteStatus.SpeakerMismatch, null,
                string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"the speaker of audio_sample is not the speaker of consent '{sample.ConsentId}': their speaker similarity is {similarity:F3}, below the {sample.MinConsentSimilarity:F3} required"),
                similarity);
        }

        var (tenant, name) = VoiceKey.Parse(this.GetPrimaryKeyString());
        var now = clock.GetUtcNow();
        var profile = new VoiceProfile(tenant, name, sample.Description ?? "", sample.Language, 0, now, now, prompt,
            sample.Id, VoiceTypes.AudioSample, sample.DisplayName, null, sample.ConsentId, ConsentSimilarity: Math.Round(similarity, 4));
        await SaveAsync(profile);
        return new VoiceWriteResult(VoiceWriteStatus.Created, profile);
    }

    public async Task<VoiceWriteResult> UpdateAsync(VoiceDesign design, CancellationToken cancellationToken = default)
    {
        if (state.State.Profile is not { } current)
        {
            return new VoiceWriteResult(VoiceWriteStatus.NotFound, null);
        }

        var seed = design.Seed ?? current.Seed;
        var (prompt, problem) = await DeriveClonePromptAsync(design with { Seed = seed, ScriptHint = design.ScriptHint ?? current.ScriptHint }, seed, cancellationToken);
        var updated = current with
        {
            Description = design.Description,
            Language = design.Language,
            Seed = seed,
            UpdatedAt = clock.GetUtcNow(),
            ClonePrompt = prompt,
            PromptProblem = problem,
        };
        await SaveAsync(updated);
        return new VoiceWriteResult(VoiceWriteStatus.Updated, updated);
    }

    public async Task<VoiceProfile?> EnsureClonePromptAsync(CancellationToken cancellationToken = default)
    {
        if (state.State.Profile is not { ClonePrompt: null, Type: VoiceTypes.Prompt } pending)
        {
            return state.State.Profile;
        }

        var (prompt, problem) = await DeriveClonePromptAsync(
            new VoiceDesign(pending.Description, pending.Language, pending.Seed, pending.ScriptHint), pending.Seed, cancellationToken);
        if (prompt is null && problem == pending.PromptProblem)
        {
            return pending;
        }

        var updated = pending with { ClonePrompt = prompt, PromptProblem = problem };
        await SaveAsync(updated);
        return updated;
    }

    public async Task<VoiceWriteResult> DeleteAsync()
    {
        if (state.State.Profile is not { } current)
        {
            return new VoiceWriteResult(VoiceWriteStatus.NotFound, null);
        }

        await state.ClearStateAsync();
        await GrainFactory.GetGrain<ITenantVoicesGrain>(current.Tenant).RemoveAsync(current.Name);
        DeactivateOnIdle();
        return new VoiceWriteResult(VoiceWriteStatus.Deleted, current);
    }

    private async Task SaveAsync(VoiceProfile profile)
    {
        state.State.Profile = profile;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ITenantVoicesGrain>(profile.Tenant).UpsertAsync(VoiceSummary.Of(profile));
    }

    /// <summary>The clone prompt from a card that holds the Base model, or why there is none.</summary>
    private async Task<(VoiceClonePrompt? Prompt, string? Problem)> DeriveClonePromptAsync(VoiceDesign design, ulong seed, CancellationToken cancellationToken)
    {
        var snapshot = await GrainFactory.GetGrain<IDeviceRegistryGrain>(0).GetSnapshotAsync();
        var card = snapshot.Devices.Where(d => d.CanClone && d.HasRoom)
            .OrderBy(d => d.ExpectedCompletionSeconds(40)).FirstOrDefault();
        if (card is null)
        {
            return (null, snapshot.Devices.Any(d => d.CanClone) ? "every card with the Base model is full; the prompt is derived on the voice's next use" : NoBaseModel);
        }

        try
        {
            return (await GrainFactory.GetGrain<IDeviceGrain>(card.Device.Key).DeriveClonePromptAsync(design, seed, cancellationToken), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Visible on the voice (prompt_status pending with this reason) and derived again on its next use.
            LogCloneFailed(this.GetPrimaryKeyString(), card.Device.Key, ex.Message);
            return (null, $"deriving the prompt on {card.Device.Key} failed: {ex.Message}");
        }
    }

    private static ulong NewSeed() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    [LoggerMessage(Level = LogLevel.Information, Message = "Voice {Voice}: refused, its recording's speaker is not consent {Consent}'s (similarity {Similarity:F3} < {Minimum:F3})")]
    private partial void LogSpeakerMismatch(string voice, string consent, double similarity, double minimum);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice {Voice}: deriving the clone prompt on {Device} failed: {Reason}")]
    private partial void LogCloneFailed(string voice, string device, string reason);
}
