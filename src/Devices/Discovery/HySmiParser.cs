using System.Globalization;
using System.Text.RegularExpressions;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Discovery;

/// <summary>
/// Parses Hygon's `hy-smi` (a rocm-smi derivative): the summary table "DCU Temp AvgPwr Perf PwrCap VRAM% DCU% Mode",
/// and `hy-smi --showmeminfo vram` lines "DCU[0] : vram Total Memory (B): 68702699520" for memory sizes.
/// </summary>
public static partial class HySmiParser
{
    public static IReadOnlyList<DiscoveredCard> Parse(string summary, string? memoryInfo = null)
    {
        var totals = new Dictionary<int, long>();
        var used = new Dictionary<int, long>();
        foreach (Match match in MemoryLine().Matches(memoryInfo ?? ""))
        {
            var index = int.Parse(match.Groups["dcu"].Value, CultureInfo.InvariantCulture);
            var bytes = long.Parse(match.Groups["bytes"].Value, CultureInfo.InvariantCulture);
            (match.Groups["used"].Success ? used : totals)[index] = bytes;
        }

        var cards = new List<DiscoveredCard>();
        foreach (var line in summary.Split('\n'))
        {
            var row = SummaryRow().Match(line);
            if (!row.Success)
            {
                continue;
            }

            var index = int.Parse(row.Groups["dcu"].Value, CultureInfo.InvariantCulture);
            var total = totals.GetValueOrDefault(index);
            var usedBytes = used.TryGetValue(index, out var u)
                ? u
                : (long)(total * double.Parse(row.Groups["vram"].Value, CultureInfo.InvariantCulture) / 100);
            cards.Add(new DiscoveredCard(DeviceKind.Hygon, index, "Hygon DCU", total, usedBytes, row.Groups["mode"].Value));
        }

        return cards;
    }

    [GeneratedRegex(@"^\s*(?<dcu>\d+)\s+(?<temp>[\d.]+)C\s+(?<power>[\d.]+)W\s+\S+\s+[\d.]+W\s+(?<vram>[\d.]+)%\s+(?<busy>[\d.]+)%\s+(?<mode>\S+)")]
    private static partial Regex SummaryRow();

    [GeneratedRegex(@"DCU\[(?<dcu>\d+)\]\s*:\s*vram Total (?<used>Used )?Memory \(B\):\s*(?<bytes>\d+)")]
    private static partial Regex MemoryLine();
}
