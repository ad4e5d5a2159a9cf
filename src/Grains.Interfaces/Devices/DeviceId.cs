namespace QwenTts.Grains.Interfaces.Devices;

/// <summary>A card: the silo that owns it and its index there. Key of <see cref="IDeviceGrain"/>: "{silo}/{index}".</summary>
[GenerateSerializer, Immutable]
public readonly record struct DeviceId([property: Id(0)] string Silo, [property: Id(1)] int Index)
{
    public string Key => $"{Silo}/{Index}";

    public override string ToString() => Key;

    public static DeviceId Parse(string key)
    {
        var slash = key.LastIndexOf('/');
        if (slash <= 0 || !int.TryParse(key.AsSpan(slash + 1), out var index))
        {
            throw new FormatException($"'{key}' is not a device key of the form silo/index.");
        }

        return new DeviceId(key[..slash], index);
    }
}
