using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using QwenTts.Devices;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Grains.Hosting;

/// <summary>
/// Ties the cards to the silo's life: once the silo is active its device grains start reporting; when it stops, the
/// cards drain first (no new work, waiting work handed back for re-routing, running utterances finished within the
/// drain timeout) before Orleans deactivates anything.
/// </summary>
public sealed partial class DeviceLifecycle(
    DeviceHost host,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<DrainOptions> drain,
    ILogger<DeviceLifecycle> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
    {
        // Cards load before the silo joins the cluster, so it never advertises a card it cannot serve.
        lifecycle.Subscribe(nameof(DeviceLifecycle), ServiceLifecycleStage.ApplicationServices, host.LoadAsync, _ => Task.CompletedTask);
        lifecycle.Subscribe(nameof(DeviceLifecycle), ServiceLifecycleStage.Active, StartAsync, StopAsync);
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var card in host.Cards)
        {
            var device = new DeviceId(silo.Name, card.Spec.Index);
            await grains.GetGrain<IDeviceGrain>(device.Key).StartAsync();
            LogCardOnline(device);
        }
    }

    private Task StopAsync(CancellationToken cancellationToken) => host.DrainAsync(drain.Value.Timeout, cancellationToken);

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} is online")]
    private partial void LogCardOnline(DeviceId device);
}

/// <summary>How long a stopping silo lets running utterances finish; bound from <c>Drain</c>.</summary>
public sealed class DrainOptions
{
    public const string Section = "Drain";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(45);
}
