using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QwenTts.Devices;
using QwenTts.Devices.Cards;
using Microsoft.Extensions.Logging;
using Orleans.TestingHost;
using QwenTts.Grains;
using QwenTts.Grains.Hosting;

namespace QwenTts.Benchmarks;

/// <summary>
/// The benchmark's rack: two silos in this process, each with one emulated Ascend-910B-like card (speed 1.0) and one
/// emulated Hygon-like card (speed 0.78), all running the tiny miniature on the CPU, paced to their profiles. The
/// miniature ends utterances on its own (the cap, 8 frames a token, is rarely reached), and every card starts from the
/// same guessed rate and learns its own.
/// </summary>
public static class EmulatedRack
{
    public const double FramesPerSecondAtSpeedOne = 50;
    public static readonly double[] Speeds = [1.0, 0.78];

    /// <summary>Total frames per second the rack can produce: the sum of its cards' paced rates.</summary>
    public static double CapacityFramesPerSecond => 2 * Speeds.Sum() * FramesPerSecondAtSpeedOne;

    /// <summary>What every card assumes of itself before it has measured anything.</summary>
    public const double AssumedFramesPerSecond = 30;

    public static async Task<InProcessTestCluster> StartAsync(string modelDirectory)
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) =>
        {
            var values = new Dictionary<string, string?>
            {
                ["Model:Directory"] = modelDirectory,
                ["Model:MaxFramesPerTextToken"] = "8",
                ["Model:MaxChunkFrames"] = "24",
                ["Devices:EmulatedAssumedFramesPerSecond"] = AssumedFramesPerSecond.ToString(CultureInfo.InvariantCulture),
                ["Devices:EmulatedFramesPerSecond"] = FramesPerSecondAtSpeedOne.ToString(CultureInfo.InvariantCulture),
                ["Devices:MaxConcurrent"] = "4",
                ["Devices:QueueLimit"] = "12",
            };
            for (var i = 0; i < Speeds.Length; i++)
            {
                values[$"Devices:Cards:{i}:Index"] = i.ToString(CultureInfo.InvariantCulture);
                values[$"Devices:Cards:{i}:Emulate"] = i == 0 ? "ascend-910b" : "hygon-dcu";
                values[$"Devices:Cards:{i}:RelativeSpeed"] = Speeds[i].ToString(CultureInfo.InvariantCulture);
                values[$"Devices:Cards:{i}:MemoryGiB"] = "64";
            }

            host.Configuration.AddInMemoryCollection(values);
            host.Logging.SetMinimumLevel(LogLevel.Error);
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Voices);
            silo.AddQwenTtsDevices(silo.Configuration);
        });
        builder.ConfigureClientHost(host => host.Logging.SetMinimumLevel(LogLevel.Error));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The pacer of card <paramref name="index"/> on silo <paramref name="silo"/>, to slow it down or stall it.</summary>
    public static CardPacer Pacer(InProcessTestCluster cluster, int silo, int index) =>
        cluster.Silos[silo].ServiceProvider.GetRequiredService<DeviceHost>().Get(index).Pacer
        ?? throw new InvalidOperationException("the card is not emulated");
}
