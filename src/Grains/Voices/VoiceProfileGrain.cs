using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Voices;

/// <summary>
/// A tenant's named voice. Always stored: description, language and seed, so sampling is reproducible. When a card
/// holds the Base model, the official design-then-clone prompt is derived too (x-vector, reference codes and text)
/// and every later sentence is spoken from it, sounding like the same speaker across requests and restarts.
/// </summary>
public sealed partial class VoiceProfileGrain(
    [PersistentState("voice", StorageNames.Voices)] IPersistentState<VoiceProfileState> state,
    TimeProvider clock,
    ILogger<VoiceProfileGrain> logger) : Grain, IVoiceProfileGrain
{
    public Task<VoiceProfile?> GetAsync() => Task.FromResult(state.State.Profile);

    public async Task<VoiceWriteResult> CreateAsync(VoiceDesign design)
    {
        if (state.State.Profile is not null)
        {
            return new VoiceWriteResult(VoiceWriteStatus.AlreadyExists, state.State.Profile);
        }

        var (tenant, name) = VoiceKey.Parse(this.GetPrimaryKeyString());
        var now = clock.GetUtcNow();
        var seed = design.Seed ?? NewSeed();
        var profile = new VoiceProfile(tenant, name, design.Description, design.Language, seed, now, now,
            await DeriveClonePromptAsync(design, seed));
        await SaveAsync(profile);
        return new VoiceWriteResult(VoiceWriteStatus.Created, profile);
    }

    public async Task<VoiceWriteResult> UpdateAsync(VoiceDesign design)
    {
        if (state.State.Profile is not { } current)
        {
            return new VoiceWriteResult(VoiceWriteStatus.NotFound, null);
        }

        var seed = design.Seed ?? current.Seed;
        var updated = current with
        {
            Description = design.Description,
            Language = design.Language,
            Seed = seed,
            UpdatedAt = clock.GetUtcNow(),
            ClonePrompt = await DeriveClonePromptAsync(design with { Seed = seed }, seed),
        };
        await SaveAsync(updated);
        return new VoiceWriteResult(VoiceWriteStatus.Updated, updated);
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
        return new VoiceWriteResult(VoiceWriteStatus.Deleted, null);
    }

    private async Task SaveAsync(VoiceProfile profile)
    {
        state.State.Profile = profile;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<ITenantVoicesGrain>(profile.Tenant).UpsertAsync(VoiceSummary.Of(profile));
    }

    /// <summary>The clone prompt from a card that holds the Base model, or null when the cluster has none.</summary>
    private async Task<VoiceClonePrompt?> DeriveClonePromptAsync(VoiceDesign design, ulong seed)
    {
        var snapshot = await GrainFactory.GetGrain<IDeviceRegistryGrain>(0).GetSnapshotAsync();
        var card = snapshot.Devices.Where(d => d.CanClone && d.HasRoom)
            .OrderBy(d => d.ExpectedCompletionSeconds(40)).FirstOrDefault();
        if (card is null)
        {
            return null;
        }

        try
        {
            return await GrainFactory.GetGrain<IDeviceGrain>(card.Device.Key).DeriveClonePromptAsync(design, seed);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The voice still works from its description and seed; the prompt is derived again on the next update.
            LogCloneFailed(this.GetPrimaryKeyString(), card.Device.Key, ex.Message);
            return null;
        }
    }

    private static ulong NewSeed() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Voice {Voice}: deriving the clone prompt on {Device} failed: {Reason}")]
    private partial void LogCloneFailed(string voice, string device, string reason);
}
