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

    /// <summary>Slots a batching card has (its scheduler runs fewer when more would fall behind playback).</summary>
    public const int BatchedSlots = 8;

    /// <summary>The rack's stream pieces: 4, 12, then 24 frames (<c>Model:MaxChunkFrames</c> below).</summary>
    public const int MaxChunkFrames = 24;

    /// <summary>How far ahead of real time a batching card makes each stream, for a listener holding 1 s (the default).</summary>
    public static double Headroom { get; } = QwenTts.Devices.Cards.PlaybackAdmission.HeadroomFor(new QwenTts.Devices.ModelOptions().FirstChunkFrames,
        new QwenTts.Devices.ModelOptions().ChunkFrames, MaxChunkFrames, new QwenTts.Devices.DeviceOptions().AssumedPlayerBuffer.TotalSeconds);

    /// <summary>The rack's rate in all: each card at the rate it gives with as many running as it keeps ahead of playback.</summary>
    public static double Capacity(double? batchStepCost)
    {
        if (batchStepCost is null)
        {
            return CapacityFramesPerSecond;
        }

        return 2 * Speeds.Sum(speed =>
        {
            var pacer = new QwenTts.Devices.Cards.CardPacer(FramesPerSecondAtSpeedOne * speed, TimeProvider.System, batchStepCost);
            return pacer.RateWith(QwenTts.Devices.Cards.PlaybackAdmission.RunnableAtOnce(BatchedSlots, n => pacer.RateWith(n), Headroom, pacer.RateWith(1)));
        });
    }

    /// <param name="batchStepCost">Null: cards take turns (processor sharing); set: they batch (<c>Devices:EmulatedBatchStepCost</c>), with <see cref="BatchedSlots"/> slots.</param>
    public static async Task<InProcessTestCluster> StartAsync(string modelDirectory, double? batchStepCost = null)
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((_, host) =>
        {
            var values = new Dictionary<string, string?>
            {
                ["Model:Directory"] = modelDirectory,
                ["Model:MaxFramesPerTextToken"] = "8",
                ["Model:MaxChunkFrames"] = MaxChunkFrames.ToString(CultureInfo.InvariantCulture),
                ["Devices:EmulatedAssumedFramesPerSecond"] = AssumedFramesPerSecond.ToString(CultureInfo.InvariantCulture),
                ["Devices:EmulatedFramesPerSecond"] = FramesPerSecondAtSpeedOne.ToString(CultureInfo.InvariantCulture),
                ["Devices:MaxConcurrent"] = batchStepCost is null ? "4" : BatchedSlots.ToString(CultureInfo.InvariantCulture),
                ["Devices:QueueLimit"] = "12",
            };
            if (batchStepCost is { } cost)
            {
                values["Devices:EmulatedBatchStepCost"] = cost.ToString(CultureInfo.InvariantCulture);
            }

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
