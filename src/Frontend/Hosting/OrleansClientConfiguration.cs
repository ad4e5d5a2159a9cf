using Orleans.Configuration;
using QwenTts.ServiceDefaults;

namespace QwenTts.Frontend.Hosting;

/// <summary>The frontend joins the cluster as a client through the same PostgreSQL membership as the silos.</summary>
public static class OrleansClientConfiguration
{
    public static IClientBuilder ConfigureQwenTtsClient(this IClientBuilder client, IConfiguration configuration)
    {
        var cluster = ClusterSettings.From(configuration);
        client.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = cluster.ClusterId;
            options.ServiceId = cluster.ServiceId;
        });
        client.UseAdoNetClustering(options =>
        {
            options.Invariant = ClusterSettings.AdoNetInvariant;
            options.ConnectionString = cluster.ConnectionString;
        });
        client.UseConnectionRetryFilter<ForeverConnectionRetryFilter>();
        // Grain calls carry the caller's trace (W3C traceparent in the request context); silos do the same. Costs nothing
        // while tracing is off: no listener, no activity.
        client.AddActivityPropagation();
        client.Services.AllowStorageExceptions();
        return client;
    }
}
