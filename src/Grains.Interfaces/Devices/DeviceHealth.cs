namespace QwenTts.Grains.Interfaces.Devices;

/// <summary>
/// A card's health from its recent outcomes and its vendor tool. Degraded cards still serve (something failed lately,
/// or the tool warns); unhealthy ones get no traffic until a probe utterance passes.
/// </summary>
[GenerateSerializer]
public enum DeviceHealth
{
    Healthy,
    Degraded,
    Unhealthy,
}
