using Orleans.Placement;
using Orleans.Runtime.Placement;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Grains.Devices;

/// <summary>Places a device grain "{silo}/{index}" on the silo named in its key: the card's engine lives there.</summary>
[GenerateSerializer, Immutable]
public sealed class DevicePlacementStrategy : PlacementStrategy
{
    public static DevicePlacementStrategy Instance { get; } = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class DevicePlacementAttribute() : PlacementAttribute(DevicePlacementStrategy.Instance);

/// <summary>
/// Finds the silo by the name in the grain key among the compatible silos (membership's ClusterMember.Name). If
/// that silo is not in the cluster the activation fails at once, so the caller can route elsewhere.
/// </summary>
public sealed class DevicePlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var device = DeviceId.Parse(target.GrainIdentity.Key.ToString()!);
        var compatible = context.GetCompatibleSilos(target);
        var members = membership.CurrentSnapshot.Members;
        foreach (var silo in compatible)
        {
            if (members.TryGetValue(silo, out var member) && member.Status == SiloStatus.Active
                && string.Equals(member.Name, device.Silo, StringComparison.Ordinal))
            {
                return Task.FromResult(silo);
            }
        }

        throw new SiloUnavailableException($"Device {device}: silo '{device.Silo}' is not an active member of the cluster.");
    }
}
