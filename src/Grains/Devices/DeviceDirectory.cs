namespace QwenTts.Grains.Devices;

/// <summary>
/// Device grains live in Orleans' distributed grain directory. With the default directory, a silo that shuts down
/// takes the registrations it owned with it, and Orleans deactivates those activations on the other silos, cutting
/// every utterance they were streaming, although the cards themselves are fine. The distributed directory hands
/// its ranges over instead (it is marked experimental in Orleans 10; only device grains use it).
/// </summary>
public static class DeviceDirectory
{
    public const string Name = "devices";
}
