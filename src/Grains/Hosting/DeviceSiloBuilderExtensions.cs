using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using QwenTts.Devices;
using QwenTts.Devices.Discovery;
using QwenTts.Grains.Devices;

namespace QwenTts.Grains.Hosting;

public static class DeviceSiloBuilderExtensions
{
    /// <summary>
    /// The silo's cards and the grains around them: card engines (loaded at start-up), device placement, the
    /// registry, and the drain on shutdown. Configuration: <c>Devices</c>, <c>Model</c>, <c>Registry</c>, <c>Drain</c>.
    /// </summary>
    public static ISiloBuilder AddQwenTtsDevices(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.AddOptions<DeviceOptions>().Bind(configuration.GetSection(DeviceOptions.Section))
            .Validate(o => o.AssumedPlayerBuffer >= TimeSpan.Zero, "Devices:AssumedPlayerBuffer must be 0 or more.").ValidateOnStart();
        services.AddOptions<ModelOptions>().Bind(configuration.GetSection(ModelOptions.Section));
        services.AddOptions<RegistryOptions>().Bind(configuration.GetSection(RegistryOptions.Section));
        services.AddOptions<DrainOptions>().Bind(configuration.GetSection(DrainOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ISystemProbe, HostSystemProbe>();
        services.AddSingleton<DeviceHost>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, DeviceLifecycle>();
        services.AddPlacementDirector<DevicePlacementStrategy, DevicePlacementDirector>();
#pragma warning disable ORLEANSEXP003 // see DeviceDirectory for why device grains use the distributed directory
        silo.AddDistributedGrainDirectory(DeviceDirectory.Name);
#pragma warning restore ORLEANSEXP003
        return silo;
    }
}
