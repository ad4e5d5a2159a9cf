using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Grains.Jobs;

/// <summary>The set of jobs frontends must look after (see <see cref="IAudioJobIndexGrain"/>).</summary>
public sealed class AudioJobIndexGrain(
    [PersistentState("job-index", StorageNames.Voices)] IPersistentState<AudioJobIndexState> state) : Grain, IAudioJobIndexGrain
{
    public async Task AddAsync(string jobId)
    {
        if (state.State.Jobs.Add(jobId))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string jobId)
    {
        if (state.State.Jobs.Remove(jobId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<string[]> ListAsync() => Task.FromResult(state.State.Jobs.Order(StringComparer.Ordinal).ToArray());
}
