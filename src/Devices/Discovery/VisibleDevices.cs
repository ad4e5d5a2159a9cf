using System.Globalization;

namespace QwenTts.Devices.Discovery;

/// <summary>
/// ASCEND_RT_VISIBLE_DEVICES, HIP_VISIBLE_DEVICES and CUDA_VISIBLE_DEVICES restrict a process to some physical cards
/// and renumber them from 0 in the listed order; the runtime's device id is that position.
/// </summary>
public static class VisibleDevices
{
    public const string Ascend = "ASCEND_RT_VISIBLE_DEVICES";
    public const string Hygon = "HIP_VISIBLE_DEVICES";
    public const string Nvidia = "CUDA_VISIBLE_DEVICES";

    /// <summary>Physical index to runtime device id, or null when the variable is unset (all cards visible, ids unchanged).</summary>
    public static IReadOnlyDictionary<int, int>? Parse(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var map = new Dictionary<int, int>();
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var physical))
            {
                break; // like the vendor runtimes: an invalid entry ends the list
            }

            map.TryAdd(physical, map.Count);
        }

        return map;
    }
}
