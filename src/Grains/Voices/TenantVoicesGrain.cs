using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Voices;

[GenerateSerializer]
public sealed class TenantVoicesState
{
    [Id(0)]
    public Dictionary<string, VoiceSummary> Voices { get; set; } = new(StringComparer.Ordinal);
}

public sealed class TenantVoicesGrain(
    [PersistentState("tenant-voices", StorageNames.Voices)] IPersistentState<TenantVoicesState> state) : Grain, ITenantVoicesGrain
{
    public Task<IReadOnlyList<VoiceSummary>> ListAsync() =>
        Task.FromResult<IReadOnlyList<VoiceSummary>>(state.State.Voices.Values.OrderBy(v => v.Name, StringComparer.Ordinal).ToArray());

    public Task<string?> FindNameAsync(string id) =>
        Task.FromResult(state.State.Voices.Values.FirstOrDefault(v => string.Equals(v.Id, id, StringComparison.Ordinal))?.Name);

    public Task<string?> FindByDisplayNameAsync(string displayName)
    {
        var matches = state.State.Voices.Values.Where(v => string.Equals(v.DisplayName, displayName, StringComparison.Ordinal)).Take(2).ToList();
        return Task.FromResult(matches.Count == 1 ? matches[0].Name : null);
    }

    public async Task UpsertAsync(VoiceSummary voice)
    {
        state.State.Voices[voice.Name] = voice;
        await state.WriteStateAsync();
    }

    public async Task RemoveAsync(string name)
    {
        if (state.State.Voices.Remove(name))
        {
            await state.WriteStateAsync();
        }
    }
}
