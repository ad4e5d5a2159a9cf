using QwenTts.Grains.Interfaces.Robots;

namespace QwenTts.Grains.Robots;

/// <summary>A tenant's chat robots (one per tool), stored as the frontend protected them.</summary>
public sealed class TenantRobotsGrain(
    [PersistentState("robots", StorageNames.Voices)] IPersistentState<TenantRobotsState> state) : Grain, ITenantRobotsGrain
{
    public Task<RobotBinding[]> ListAsync() => Task.FromResult(state.State.Robots.Values.OrderBy(r => r.Tool, StringComparer.Ordinal).ToArray());

    public async Task SetAsync(RobotBinding binding)
    {
        state.State.Robots[binding.Tool] = binding;
        await state.WriteStateAsync();
    }

    public async Task<bool> RemoveAsync(string tool)
    {
        if (!state.State.Robots.Remove(tool))
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }
}
