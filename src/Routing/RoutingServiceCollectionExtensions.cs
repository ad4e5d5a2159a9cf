using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace QwenTts.Routing;

public static class RoutingServiceCollectionExtensions
{
    public static IServiceCollection AddQwenTtsRouting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RoutingOptions>().Bind(configuration.GetSection(RoutingOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DeviceRouter>();
        services.AddSingleton(sp => new FrameEstimator(sp.GetRequiredService<IOptions<RoutingOptions>>().Value.InitialFramesPerCharacter));
        services.AddSingleton<SynthesisDispatcher>();
        services.AddSingleton<OrderedSegmentRunner>();
        return services;
    }
}
