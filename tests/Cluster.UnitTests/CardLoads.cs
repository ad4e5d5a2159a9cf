using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Cluster.UnitTests;

/// <summary>A card's report as the router sees it, for tests of routing and capacity.</summary>
internal static class CardLoads
{
    public static DeviceLoad Card(double fps = 50, double work = 0, int active = 0, int waiting = 0) => new()
    {
        Device = new DeviceId("silo", 0),
        Kind = DeviceKind.Ascend,
        Model = "ascend-910b",
        Provider = "CPUExecutionProvider",
        MaxConcurrent = 4,
        QueueLimit = 16,
        Active = active,
        Queued = waiting,
        QueuedWorkFrames = work,
        FramesPerSecond = fps,
    };
}
