using QwenTts.Routing;

namespace QwenTts.Frontend.Hosting;

/// <summary>
/// Keeps the router's card table refreshing for as long as the frontend runs. It begins once every hosted service has
/// started, the Orleans client included (they start side by side), so the first refresh finds the cluster connected.
/// </summary>
public sealed class RouterService(DeviceRouter router, IHostApplicationLifetime lifetime) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(router.Start);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await router.DisposeAsync();
}
