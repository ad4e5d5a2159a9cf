using System.Globalization;

namespace QwenTts.Engine.Diagnostics;

/// <summary>
/// This process's resident memory now and at its peak (Linux: VmRSS and VmHWM of /proc/self/status; elsewhere the
/// working set, with no peak). What a card's model costs in host memory, as model-check and the engine benchmark report it.
/// </summary>
public sealed record ProcessMemory(long ResidentBytes, long? PeakBytes)
{
    public static ProcessMemory Now()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            var lines = File.ReadAllLines(status);
            long? Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal)) is { } line
                ? long.Parse(line[(name.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024
                : null;
            if (Field("VmRSS") is { } resident)
            {
                return new ProcessMemory(resident, Field("VmHWM"));
            }
        }

        return new ProcessMemory(Environment.WorkingSet, null);
    }

    /// <summary>Resident memory after giving freed managed memory back, for a figure that is the model's and not garbage's.</summary>
    public static ProcessMemory Settled()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return Now();
    }

    public static string Gigabytes(long bytes) => (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB";
}
