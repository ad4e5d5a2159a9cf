namespace QwenTts.Grains.Interfaces.Devices;

/// <summary>The family of a card, which decides its execution provider.</summary>
public enum DeviceKind
{
    Cpu,
    Ascend,
    Hygon,
    Nvidia,
}
