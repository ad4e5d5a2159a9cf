using System.Globalization;

namespace QwenTts.LocalHosting;

/// <summary>
/// Silo arguments for a local silo with two emulated cards, an Ascend-910B-like one (speed 1.0) and a Hygon-like one
/// (speed 0.78), serving the given model on the CPU. Used by the embedded default, the tests and the soak.
/// </summary>
public static class EmulatedCards
{
    public sealed record Settings(int MaxConcurrent = 4, int QueueLimit = 16, double FramesPerSecond = 50, bool FastFailureDetection = false)
    {
        public string? CloneModel { get; init; }

        public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(45);
    }

    public static List<string> SiloArguments(string model, Settings settings)
    {
        var arguments = new List<string>
        {
            "--Model:Directory=" + model,
            "--Model:MaxFramesPerTextToken=3",
            "--Devices:EmulatedFramesPerSecond=" + settings.FramesPerSecond.ToString(CultureInfo.InvariantCulture),
            "--Devices:MaxConcurrent=" + settings.MaxConcurrent.ToString(CultureInfo.InvariantCulture),
            "--Devices:QueueLimit=" + settings.QueueLimit.ToString(CultureInfo.InvariantCulture),
            "--Devices:Cards:0:Index=0", "--Devices:Cards:0:Emulate=ascend-910b", "--Devices:Cards:0:RelativeSpeed=1.0", "--Devices:Cards:0:MemoryGiB=64",
            "--Devices:Cards:1:Index=1", "--Devices:Cards:1:Emulate=hygon-dcu", "--Devices:Cards:1:RelativeSpeed=0.78", "--Devices:Cards:1:MemoryGiB=64",
            "--Drain:Timeout=" + settings.DrainTimeout.ToString("c", CultureInfo.InvariantCulture),
        };
        if (settings.CloneModel is not null)
        {
            arguments.Add("--Model:CloneDirectory=" + settings.CloneModel);
        }

        if (settings.FastFailureDetection)
        {
            // Notice a killed silo within seconds (tests); production keeps Orleans' defaults.
            arguments.AddRange(["--Orleans:Membership:ProbeTimeout=00:00:01", "--Orleans:Membership:NumMissedProbesLimit=2",
                "--Orleans:Membership:NumVotesForDeathDeclaration=1", "--Orleans:Membership:TableRefreshTimeout=00:00:01"]);
        }

        return arguments;
    }
}
