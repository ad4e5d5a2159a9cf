using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Discovery;

/// <summary>A physical card a vendor tool reported. Index is the physical index the tool prints.</summary>
public sealed record DiscoveredCard(DeviceKind Kind, int PhysicalIndex, string Model, long MemoryBytes, long MemoryUsedBytes, string Health);
