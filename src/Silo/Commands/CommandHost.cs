using QwenTts.Devices;
using QwenTts.Devices.Discovery;

namespace QwenTts.Silo.Commands;

/// <summary>The silo's configuration and card services without Orleans, for the doctor and bench commands.</summary>
public static class CommandHost
{
    public static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddOptions<DeviceOptions>().Bind(builder.Configuration.GetSection(DeviceOptions.Section));
        builder.Services.AddOptions<ModelOptions>().Bind(builder.Configuration.GetSection(ModelOptions.Section));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ISystemProbe, HostSystemProbe>();
        builder.Services.AddSingleton<DeviceHost>();
        return builder.Build();
    }
}
