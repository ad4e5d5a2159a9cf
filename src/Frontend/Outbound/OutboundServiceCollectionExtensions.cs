using Microsoft.Extensions.Options;

namespace QwenTts.Frontend.Outbound;

public static class OutboundServiceCollectionExtensions
{
    /// <summary>The connect-time guard, once for the process.</summary>
    public static IServiceCollection AddOutboundGuard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<OutboundOptions>().Bind(configuration.GetSection(OutboundOptions.Section))
            .Validate(o => o.IsValid, "Outbound: AllowedNetworks must be CIDR ranges (e.g. 10.20.0.0/16) and ConnectTimeout positive.")
            .ValidateOnStart();
        services.AddSingleton(sp => new OutboundGuard(sp.GetRequiredService<IOptions<OutboundOptions>>().Value, sp.GetRequiredService<ILogger<OutboundGuard>>()));
        return services;
    }

    /// <summary>A named HttpClient whose every connection goes through the guard (no redirects, no proxy).</summary>
    public static IHttpClientBuilder AddGuardedHttpClient(this IServiceCollection services, string name) =>
        services.AddHttpClient(name).ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundGuard>().CreateHandler());
}
