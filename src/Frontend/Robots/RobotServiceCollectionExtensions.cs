using Microsoft.AspNetCore.DataProtection;
using QwenTts.Frontend.Outbound;
using QwenTts.Storage.DataProtection;

namespace QwenTts.Frontend.Robots;

public static class RobotServiceCollectionExtensions
{
    /// <summary>Chat robots: options, Data Protection (a key ring in PostgreSQL that every frontend shares), the two adapters and the broadcaster.</summary>
    public static IServiceCollection AddQwenTtsRobots(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RobotOptions>().Bind(configuration.GetSection(RobotOptions.Section))
            .Validate(o => Uri.IsWellFormedUriString(o.WeComBaseUrl, UriKind.Absolute) && Uri.IsWellFormedUriString(o.DingTalkBaseUrl, UriKind.Absolute)
                && (o.PublicBaseUrl is null || Uri.IsWellFormedUriString(o.PublicBaseUrl, UriKind.Absolute)) && o.MaxAttempts > 0,
                "Robots: base URLs must be absolute and MaxAttempts positive.")
            .ValidateOnStart();
        var legacyKeys = configuration.GetSection(RobotOptions.Section).Get<RobotOptions>()?.KeyDirectory;
        services.AddDataProtection().SetApplicationName("QwenTts").PersistKeysToPostgres(legacyKeys);
        services.AddGuardedHttpClient(WeComRobot.ClientName);
        services.AddGuardedHttpClient(DingTalkRobot.ClientName);
        services.AddSingleton<RobotCredentials>();
        services.AddSingleton<AudioLinks>();
        services.AddSingleton<WeComRobot>();
        services.AddSingleton<DingTalkRobot>();
        services.AddSingleton<RobotBroadcaster>();
        return services;
    }
}
