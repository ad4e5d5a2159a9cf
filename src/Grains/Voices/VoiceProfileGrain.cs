using System.Security.Cryptography;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Voices;

public sealed class VoiceProfileGrain(
    [PersistentState("voice", StorageNames.Voices)] IPersistentState<VoiceProfileState> state,
    TimeProvider clock) : Grain, IVoiceProfileGrain
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
        var profile = new VoiceProfile(tenant, name, design.Description, design.Language,
            design.Seed ?? NewSeed(), now, now);
        state.State.Profile = profile;
        await state.WriteStateAsync();
        return new VoiceWriteResult(VoiceWriteStatus.Created, profile);
    }

    public async Task<VoiceWriteResult> UpdateAsync(VoiceDesign design)
    {
        if (state.State.Profile is not { } current)
        {
            return new VoiceWriteResult(VoiceWriteStatus.NotFound, null);
        }

        var updated = current with
        {
            Description = design.Description,
            Language = design.Language,
            Seed = design.Seed ?? current.Seed,
            UpdatedAt = clock.GetUtcNow(),
            ClonePrompt = null,
        };
        state.State.Profile = updated;
        await state.WriteStateAsync();
        return new VoiceWriteResult(VoiceWriteStatus.Updated, updated);
    }

    public async Task<VoiceWriteResult> DeleteAsync()
    {
        if (state.State.Profile is null)
        {
            return new VoiceWriteResult(VoiceWriteStatus.NotFound, null);
        }

        await state.ClearStateAsync();
        DeactivateOnIdle();
        return new VoiceWriteResult(VoiceWriteStatus.Deleted, null);
    }

    private static ulong NewSeed() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
}
