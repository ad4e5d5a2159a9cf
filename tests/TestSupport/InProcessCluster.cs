using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using QwenTts.Grains;
using QwenTts.Grains.Hosting;
using QwenTts.Routing;

namespace QwenTts.TestSupport;

/// <summary>
/// A real Orleans cluster of several silos in this process (Orleans.TestingHost), with the project's device grains,
/// placement, registry, and voice storage in a real PostgreSQL database. Each silo's cards come from a callback.
/// </summary>
public static class InProcessCluster
{
    public sealed record Settings(string ConnectionString, string ModelDirectory)
    {
        public short Silos { get; init; } = 2;

        public string ServiceId { get; init; } = "qwentts-test";

        public string? CloneDirectory { get; init; }

        /// <summary>Configuration of one silo's cards, by silo name ("Silo_0", "Silo_1"...), as Devices:* keys.</summary>
        public Func<string, IReadOnlyDictionary<string, string?>>? Cards { get; init; }

        /// <summary>More services on every silo (e.g. the usage store the tenant quota grain reads).</summary>
        public Action<IServiceCollection>? Services { get; init; }
    }

    public static async Task<InProcessTestCluster> StartAsync(Settings settings)
    {
        var builder = new InProcessTestClusterBuilder(settings.Silos);
        builder.Options.ServiceId = settings.ServiceId;
        builder.Options.ClusterId = "cluster-" + Guid.NewGuid().ToString("N")[..8];
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSiloHost((silo, host) =>
        {
            var values = new Dictionary<string, string?>
            {
                ["Model:Directory"] = settings.ModelDirectory,
                ["Model:CloneDirectory"] = settings.CloneDirectory,
                ["Model:MaxFramesPerTextToken"] = "3",
                ["Registry:StaleAfter"] = "00:00:03",
                ["Drain:Timeout"] = "00:00:20",
            };
            foreach (var (key, value) in settings.Cards?.Invoke(silo.SiloName) ?? DefaultCards())
            {
                values[key] = value;
            }

            host.Configuration.AddInMemoryCollection(values);
            host.Logging.SetMinimumLevel(LogLevel.Warning);
        });
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddAdoNetGrainStorage(StorageNames.Voices, o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = settings.ConnectionString;
            });
            silo.AddQwenTtsDevices(silo.Configuration);
            settings.Services?.Invoke(silo.Services);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                // Notice a killed silo within seconds, as the tests expect.
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public static IReadOnlyDictionary<string, string?> DefaultCards() => new Dictionary<string, string?>
    {
        ["Devices:Cards:0:Index"] = "0",
        ["Devices:Cards:0:Emulate"] = "ascend-910b",
        ["Devices:Cards:0:RelativeSpeed"] = "1.0",
        ["Devices:Cards:0:MemoryGiB"] = "64",
    };

    /// <summary>A router and dispatcher over the cluster's client, as the frontend builds them.</summary>
    public static (DeviceRouter Router, SynthesisDispatcher Dispatcher) Routing(IClusterClient client, RoutingOptions? options = null)
    {
        var router = new DeviceRouter(client, Options.Create(options ?? new RoutingOptions()), TimeProvider.System, NullLogger<DeviceRouter>.Instance);
        var dispatcher = new SynthesisDispatcher(client, router, new FrameEstimator(1.0), NullLogger<SynthesisDispatcher>.Instance);
        return (router, dispatcher);
    }
}
