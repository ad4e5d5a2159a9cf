using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace QwenTts.ServiceDefaults;

/// <summary>
/// Counters published at zero once the process has started: a scrape shows them before their first event (dashboards
/// and alert rules find them), and Prometheus' increase() and rate() count that first event, which they miss when a
/// series appears already at 1. Done when the application has started because a measurement made before the metrics
/// pipeline listens is lost.
/// </summary>
public static class ZeroCounters
{
    public static IServiceCollection PublishAtZeroOnStart(this IServiceCollection services, Action<IServiceProvider> publish) =>
        services.AddSingleton<IHostedService>(sp => new Publisher(sp.GetRequiredService<IHostApplicationLifetime>(), () => publish(sp)));

    private sealed class Publisher(IHostApplicationLifetime lifetime, Action publish) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            lifetime.ApplicationStarted.Register(publish);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
