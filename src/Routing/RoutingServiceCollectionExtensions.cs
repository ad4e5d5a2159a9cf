using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace QwenTts.Routing;

public static class RoutingServiceCollectionExtensions
{
    public static IServiceCollection AddQwenTtsRouting(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RoutingOptions>().Bind(configuration.GetSection(RoutingOptions.Section))
            .Validate(o => o.MaxMoves >= 0 && o.ReplayedFrameCost >= 0 && o.AssumedPlayerBuffer >= TimeSpan.Zero,
                "Routing:MaxMoves, Routing:ReplayedFrameCost and Routing:AssumedPlayerBuffer must be 0 or more.")
            .Validate(o => o.MoveBelowRealTime is > 0 and <= 1, "Routing:MoveBelowRealTime is a share of real time, above 0 and at most 1.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DeviceRouter>();
        services.AddSingleton(sp => new FrameEstimator(sp.GetRequiredService<IOptions<RoutingOptions>>().Value.InitialFramesPerCharacter));
        services.AddSingleton<SynthesisDispatcher>();
        services.AddSingleton<OrderedSegmentRunner>();
        return services;
    }
}
