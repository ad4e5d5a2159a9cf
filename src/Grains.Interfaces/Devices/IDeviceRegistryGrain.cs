using Orleans.Concurrency;

namespace QwenTts.Grains.Interfaces.Devices;

/// <summary>
/// Where the frontends read the cluster's cards from. Cards report to it; it forgets cards whose silo left or died
/// (per membership) and cards that stopped reporting. A single activation, key 0.
/// </summary>
public interface IDeviceRegistryGrain : IGrainWithIntegerKey
{
    [OneWay]
    Task ReportAsync(DeviceLoad load);

    /// <summary>A card is gone for good (its silo stopped cleanly).</summary>
    Task RemoveAsync(DeviceId device);

    /// <summary>Live cards only: reported recently, on a silo that is Active.</summary>
    Task<DeviceSnapshot> GetSnapshotAsync();
}

/// <summary>
/// The live cards. <see cref="RegistryStartedAt"/> tells a reader when the registry (re)started: for a moment after it
/// moves to another silo it has not heard from every card yet, so readers keep what they knew.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeviceSnapshot(
    [property: Id(0)] IReadOnlyList<DeviceLoad> Devices,
    [property: Id(1)] DateTimeOffset TakenAt,
    [property: Id(2)] DateTimeOffset RegistryStartedAt = default);
