using Microsoft.Extensions.Options;
using Microsoft.ML.OnnxRuntime;
using Npgsql;
using QwenTts.Devices;
using QwenTts.Devices.Discovery;
using QwenTts.Engine.Model;
using QwenTts.Engine.Runtime;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Storage.Migrations;

namespace QwenTts.Silo.Commands;

/// <summary>
/// <c>QwenTts.Silo doctor [--load]</c>: what this host can serve and why not — cards found and missing (tools, device
/// files, visible-devices variables), the execution providers of the loaded ONNX Runtime, the model directory, and
/// PostgreSQL with its schema version. With --load every graph is loaded on the CPU and checked. Exit 1 on a problem.
/// </summary>
public static class DoctorCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var load = args.Contains("--load");
        using var host = CommandHost.Build(args.Where(a => a != "--load").ToArray());
        var report = new DoctorReport();

        Console.WriteLine("QwenTts silo doctor");
        report.Section("Host");
        report.Info($"{Environment.MachineName}, {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes >> 20} MiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");

        await CheckDevicesAsync(host.Services, report);
        CheckRuntime(host.Services, report);
        CheckModel(host.Services.GetRequiredService<IOptions<ModelOptions>>().Value, load, report);
        await CheckPostgresAsync(host.Services.GetRequiredService<IConfiguration>(), report);

        Console.WriteLine();
        Console.WriteLine(report.Problems == 0 ? "No problem found." : $"{report.Problems} problem(s) found.");
        return report.Problems == 0 ? 0 : 1;
    }

    private static async Task CheckDevicesAsync(IServiceProvider services, DoctorReport report)
    {
        report.Section("Devices");
        var probe = services.GetRequiredService<ISystemProbe>();
        var discovery = await new DeviceDiscovery(probe).DiscoverAsync();
        foreach (var card in discovery.Cards)
        {
            report.Ok($"{card.Card.Kind} {card.Card.Model} physical {card.Card.PhysicalIndex} -> device id {card.RuntimeDeviceId}, " +
                      $"{card.Card.MemoryBytes >> 20} MiB ({card.Card.MemoryUsedBytes >> 20} used), health {card.Card.Health}");
        }

        foreach (var note in discovery.Notes)
        {
            report.Info(note);
        }

        foreach (var variable in new[] { VisibleDevices.Ascend, VisibleDevices.Hygon, VisibleDevices.Nvidia })
        {
            report.Info($"{variable}={probe.Environment(variable) ?? "(unset: all cards visible)"}");
        }

        var options = services.GetRequiredService<IOptions<DeviceOptions>>().Value;
        IReadOnlyList<CardSpec> inventory;
        try
        {
            inventory = await services.GetRequiredService<DeviceHost>().InventoryAsync(CancellationToken.None);
        }
        catch (InvalidOperationException ex)
        {
            report.Problem(ex.Message);
            return;
        }

        report.Info($"discovery {(options.Discover ? "on" : "off")}; {inventory.Count} card(s) this silo would serve:");
        foreach (var spec in inventory)
        {
            var emulated = spec.IsEmulated ? $"emulated {spec.Emulate}, speed {spec.RelativeSpeed}, on the CPU" : $"device id {spec.DeviceId}";
            report.Info($"  card {spec.Index}: {spec.AdvertisedKind} ({emulated})");
        }
    }

    private static void CheckRuntime(IServiceProvider services, DoctorReport report)
    {
        report.Section("ONNX Runtime");
        var providers = SessionOptionsFactory.AvailableProviders();
        report.Info($"version {OrtEnv.Instance().GetVersionString()}; providers: {string.Join(", ", providers)}");
        var inventory = services.GetRequiredService<DeviceHost>().InventoryAsync(CancellationToken.None).GetAwaiter().GetResult();
        foreach (var spec in inventory.Where(s => !s.IsEmulated && s.Kind != DeviceKind.Cpu))
        {
            var provider = new ExecutionProviderOptions
            {
                Kind = spec.Provider ?? spec.Kind switch
                {
                    DeviceKind.Ascend => ExecutionProviderKind.Cann,
                    DeviceKind.Hygon => ExecutionProviderKind.Rocm,
                    _ => ExecutionProviderKind.Cuda,
                },
            };
            try
            {
                SessionOptionsFactory.EnsureAvailable(provider);
                report.Ok($"card {spec.Index} ({spec.Kind}): {provider.NativeProviderName} available");
            }
            catch (ExecutionProviderUnavailableException ex)
            {
                report.Problem($"card {spec.Index} ({spec.Kind}): {ex.Message}");
            }
        }
    }

    private static void CheckModel(ModelOptions model, bool load, DoctorReport report)
    {
        report.Section("Model");
        foreach (var (label, directory) in new[] { ("Model:Directory", model.Directory), ("Model:CloneDirectory", model.CloneDirectory) })
        {
            if (string.IsNullOrWhiteSpace(directory))
            {
                if (label == "Model:Directory")
                {
                    report.Problem("Model:Directory is not set.");
                }

                continue;
            }

            try
            {
                var manifest = ModelFolder.Open(directory);
                report.Ok($"{label} {directory}: {manifest.Name} ({manifest.Variant}, hidden {manifest.Talker.Hidden}, {manifest.Talker.Layers} layers)" +
                          (manifest.Miniature ? " — the miniature: noise, not speech" : ""));
                foreach (var (graph, file) in manifest.Graphs)
                {
                    var path = Path.Combine(directory, file);
                    var data = path + ".data";
                    if (!File.Exists(path))
                    {
                        report.Problem($"  {graph}: {file} missing");
                    }
                    else
                    {
                        report.Info($"  {graph}: {file} {new FileInfo(path).Length >> 10} KiB" + (File.Exists(data) ? $" + data {new FileInfo(data).Length >> 20} MiB" : ""));
                    }
                }

                foreach (var missing in GraphNames.Required.Where(g => !manifest.Graphs.ContainsKey(g)))
                {
                    report.Problem($"  {missing}: required graph not found (model.json or the export's layout)");
                }

                var tokenizer = Path.Combine(directory, manifest.Tokenizer);
                if (!File.Exists(tokenizer) && !Directory.Exists(tokenizer))
                {
                    report.Problem($"  tokenizer {tokenizer} missing (the HF folder's vocab.json + merges.txt, or a tokenizer.json)");
                }

                if (load)
                {
                    using var sessions = ModelSessions.Load(directory, new ExecutionProviderOptions());
                    report.Ok("  every graph loads on the CPU and matches the export contract (model-check DIR --deep proves it on a card)");
                }
            }
            catch (ModelValidationException ex)
            {
                report.Problem($"{label} {directory}: {ex.Message}");
            }
        }
    }

    private static async Task CheckPostgresAsync(IConfiguration configuration, DoctorReport report)
    {
        report.Section("PostgreSQL");
        var connectionString = configuration.GetConnectionString("Cluster");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            report.Problem("ConnectionStrings:Cluster is not set.");
            return;
        }

        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var status = await new SchemaMigrator(dataSource, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchemaMigrator>.Instance).GetStatusAsync();
            if (status.IsCurrent)
            {
                report.Ok($"reachable; {status}");
            }
            else
            {
                report.Problem($"reachable; {status}: run 'QwenTts.Silo migrate'");
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            report.Problem("unreachable: " + ex.Message);
        }
    }

    private sealed class DoctorReport
    {
        public int Problems { get; private set; }

        public void Section(string title) => Console.WriteLine($"\n== {title}");

        public void Ok(string line) => Console.WriteLine("  ok  " + line);

        public void Info(string line) => Console.WriteLine("      " + line);

        public void Problem(string line)
        {
            Problems++;
            Console.WriteLine("  !!  " + line);
        }
    }
}
