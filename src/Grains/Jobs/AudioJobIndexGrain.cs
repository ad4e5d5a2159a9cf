using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Grains.Jobs;

/// <summary>The job index of earlier versions, read once and emptied (see <see cref="IAudioJobIndexGrain"/>).</summary>
public sealed class AudioJobIndexGrain(
    [PersistentState("job-index", StorageNames.Voices)] IPersistentState<AudioJobIndexState> state) : Grain, IAudioJobIndexGrain
{
    public Task<string[]> ListAsync() => Task.FromResult(state.State.Jobs.Order(StringComparer.Ordinal).ToArray());

    public async Task RemoveAsync(string[] jobIds)
    {
        state.State.Jobs.ExceptWith(jobIds);
        if (state.State.Jobs.Count == 0)
        {
            await state.ClearStateAsync();
        }
        else
        {
            await state.WriteStateAsync();
        }
    }
}
