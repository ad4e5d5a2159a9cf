using Microsoft.Extensions.Options;
using QwenTts.Frontend.Outbound;
using QwenTts.Storage.Audio;

namespace QwenTts.Frontend.Jobs;

public static class JobServiceCollectionExtensions
{
    /// <summary>Asynchronous jobs: options, the audio store, submission, the per-frontend worker and runner, callbacks.</summary>
    public static IServiceCollection AddQwenTtsJobs(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JobOptions>().Bind(configuration.GetSection(JobOptions.Section))
            .Validate(o => o.IsValid, "Jobs: limits, retention, lease, poll interval and attempts must be positive.").ValidateOnStart();
        services.AddOptions<CallbackOptions>().Bind(configuration.GetSection(CallbackOptions.Section))
            .Validate(o => o.MaxAttempts > 0 && o.InitialDelay >= TimeSpan.Zero && o.Timeout > TimeSpan.Zero, "Jobs:Callbacks: attempts, delay and timeout must be positive.")
            .Validate(o => o.AllowPrivateNetworks is null,
                "Jobs:Callbacks:AllowPrivateNetworks is gone: callbacks go through the outbound guard, which calls public addresses only; " +
                "list an internal receiver's network in Outbound:AllowedNetworks (CIDR) instead.")
            .ValidateOnStart();
        services.AddQwenTtsAudioStore(configuration);
        services.AddGuardedHttpClient(CallbackSender.ClientName);
        services.AddSingleton<CallbackUrls>();
        services.AddSingleton<CallbackSigner>();
        services.AddSingleton<CallbackSender>();
        services.AddSingleton<CallbackDelivery>();
        services.AddSingleton<JobAudioFiles>();
        services.AddSingleton<JobDeliveries>();
        services.AddSingleton<JobMetrics>();
        services.AddSingleton<JobRunner>();
        services.AddSingleton<LegacyJobIndexImport>();
        services.AddSingleton<JobWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<JobWorker>());
        services.AddSingleton<JobSubmitter>();
        return services;
    }

    public static JobOptions ReadJobOptions(this IConfiguration configuration) =>
        configuration.GetSection(JobOptions.Section).Get<JobOptions>() ?? new JobOptions();
}
