using System.Globalization;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Discovery;

/// <summary>
/// Parses `nvidia-smi --query-gpu=index,name,memory.total,memory.used --format=csv,noheader,nounits`:
/// one line per GPU, e.g. "0, NVIDIA H100 80GB HBM3, 81559, 1".
/// </summary>
public static class NvidiaSmiParser
{
    public const string Arguments = "--query-gpu=index,name,memory.total,memory.used --format=csv,noheader,nounits";

    public static IReadOnlyList<DiscoveredCard> Parse(string output)
    {
        var cards = new List<DiscoveredCard>();
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (fields.Length < 4 || !int.TryParse(fields[0], CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            long.TryParse(fields[2], CultureInfo.InvariantCulture, out var totalMiB);
            long.TryParse(fields[3], CultureInfo.InvariantCulture, out var usedMiB);
            cards.Add(new DiscoveredCard(DeviceKind.Nvidia, index, fields[1], totalMiB << 20, usedMiB << 20, "OK"));
        }

        return cards;
    }
}
