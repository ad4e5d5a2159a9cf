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
        // A silo cut off by a network partition closes no connection: calls the client routes through its gateway wait out
        // their timeout until the client rereads the membership table, sees the silo declared dead and drops that gateway.
        // Orleans rereads once a minute; every few seconds keeps a partition's cost to seconds (one small query per frontend).
        client.Configure<GatewayOptions>(options => options.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        client.Configure<GatewayOptions>(configuration.GetSection("Orleans:Gateway"));
        client.UseConnectionRetryFilter<ForeverConnectionRetryFilter>();
        // Grain calls carry the caller's trace (W3C traceparent in the request context); silos do the same. Costs nothing
        // while tracing is off: no listener, no activity.
        client.AddActivityPropagation();
        client.Services.AllowStorageExceptions();
        return client;
    }
}
