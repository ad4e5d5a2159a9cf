using System.Globalization;
using System.Text.RegularExpressions;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Discovery;

/// <summary>
/// Parses the table `npu-smi info` prints on Ascend hosts: per NPU, a first row "| NPU  Name | Health | Power Temp
/// Hugepages |" and a second row "| Chip | Bus-Id | AICore Memory-Usage(MB) HBM-Usage(MB) |". HBM is the card memory.
/// </summary>
public static partial class NpuSmiParser
{
    public static IReadOnlyList<DiscoveredCard> Parse(string output)
    {
        var cards = new List<DiscoveredCard>();
        var lines = output.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Contains("Process id", StringComparison.OrdinalIgnoreCase))
            {
                break; // the process table that follows has no card rows
            }

            var first = FirstRow().Match(lines[i]);
            if (!first.Success || i + 1 >= lines.Length)
            {
                continue;
            }

            var second = SecondRow().Match(lines[i + 1]);
            if (!second.Success)
            {
                continue;
            }

            var usages = UsagePair().Matches(second.Groups["usage"].Value);
            var (used, total) = usages.Count > 0
                ? (long.Parse(usages[^1].Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(usages[^1].Groups[2].Value, CultureInfo.InvariantCulture))
                : (0L, 0L);
            cards.Add(new DiscoveredCard(DeviceKind.Ascend, int.Parse(first.Groups["npu"].Value, CultureInfo.InvariantCulture),
                "Ascend " + first.Groups["name"].Value, total << 20, used << 20, first.Groups["health"].Value));
            i++;
        }

        return cards;
    }

    [GeneratedRegex(@"^\|\s*(?<npu>\d+)\s+(?<name>[0-9A-Za-z][\w.-]*)\s*\|\s*(?<health>OK|Warning|Alarm|Critical|[A-Za-z]+)\s*\|")]
    private static partial Regex FirstRow();

    [GeneratedRegex(@"^\|\s*\d+\s*\|\s*[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]\s*\|(?<usage>.*)\|\s*$")]
    private static partial Regex SecondRow();

    [GeneratedRegex(@"(\d+)\s*/\s*(\d+)")]
    private static partial Regex UsagePair();
}
