using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Cluster.UnitTests;

/// <summary>A card's report as the router sees it, for tests of routing and capacity.</summary>
internal static class CardLoads
{
    public static DeviceLoad Card(double fps = 50, double work = 0, int active = 0, int waiting = 0, int index = 0, DeviceKind kind = DeviceKind.Ascend) => new()
    {
        Device = new DeviceId("silo", index),
        Kind = kind,
        Model = kind == DeviceKind.Ascend ? "ascend-910b" : kind.ToString().ToLowerInvariant(),
        Provider = "CPUExecutionProvider",
        MaxConcurrent = 4,
        QueueLimit = 16,
        Active = active,
        Queued = waiting,
        QueuedWorkFrames = work,
        FramesPerSecond = fps,
    };
}
