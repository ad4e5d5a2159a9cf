using QwenTts.Routing;

namespace QwenTts.Frontend.Hosting;

/// <summary>Keeps the router's card table refreshing for as long as the frontend runs.</summary>
public sealed class RouterService(DeviceRouter router) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        router.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await router.DisposeAsync();
}
