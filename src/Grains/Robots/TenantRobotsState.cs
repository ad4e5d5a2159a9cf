using QwenTts.Grains.Interfaces.Robots;

namespace QwenTts.Grains.Robots;

[GenerateSerializer]
public sealed class TenantRobotsState
{
    [Id(0)] public Dictionary<string, RobotBinding> Robots { get; set; } = [];
}
