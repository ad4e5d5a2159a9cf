using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Grains.Devices;

/// <summary>Registry timings; bound from <c>Registry</c>.</summary>
public sealed class RegistryOptions
{
    public const string Section = "Registry";

    /// <summary>A card that has not reported for this long is left out of snapshots.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(4);
}

/// <summary>
/// In-memory table of the cluster's cards. Nothing here needs persisting: if the registry moves to another silo,
/// cards refill it within one report interval. Snapshots skip cards whose silo is not Active in membership (left or
/// declared dead) and cards that went quiet.
/// </summary>
public sealed class DeviceRegistryGrain(IClusterMembershipService membership, IOptions<RegistryOptions> options, TimeProvider clock)
    : Grain, IDeviceRegistryGrain
{
    private readonly Dictionary<DeviceId, (DeviceLoad Load, DateTimeOffset ReceivedAt)> _devices = [];
    private readonly DateTimeOffset _startedAt = clock.GetUtcNow();

    public Task ReportAsync(DeviceLoad load)
    {
        if (!_devices.TryGetValue(load.Device, out var known) || known.Load.ReportedAt <= load.ReportedAt)
        {
            _devices[load.Device] = (load, clock.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(DeviceId device)
    {
        _devices.Remove(device);
        return Task.CompletedTask;
    }

    public Task<DeviceSnapshot> GetSnapshotAsync()
    {
        var now = clock.GetUtcNow();
        var activeSilos = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        var live = new List<DeviceLoad>(_devices.Count);
        foreach (var (device, entry) in _devices.ToArray())
        {
            if (!activeSilos.Contains(device.Silo))
            {
                _devices.Remove(device); // its silo left or died: re-registered if it comes back
                continue;
            }

            if (now - entry.ReceivedAt <= options.Value.StaleAfter)
            {
                live.Add(entry.Load);
            }
        }

        live.Sort((a, b) => string.CompareOrdinal(a.Device.Key, b.Device.Key));
        return Task.FromResult(new DeviceSnapshot(live, now, _startedAt));
    }
}
