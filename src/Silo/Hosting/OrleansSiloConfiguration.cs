using System.Net;
using Orleans.Dashboard;
using Orleans.Configuration;
using QwenTts.Grains;
using QwenTts.Grains.Hosting;
using QwenTts.ServiceDefaults;

namespace QwenTts.Silo.Hosting;

/// <summary>Orleans on PostgreSQL: ADO.NET clustering and grain storage, this silo's name and endpoints.</summary>
public static class OrleansSiloConfiguration
{
    public static ISiloBuilder ConfigureQwenTtsSilo(this ISiloBuilder silo, IConfiguration configuration, SiloHostOptions host)
    {
        var cluster = ClusterSettings.From(configuration);
        silo.Configure<ClusterOptions>(options =>
        {
            options.ClusterId = cluster.ClusterId;
            options.ServiceId = cluster.ServiceId;
        });
        silo.Configure<SiloOptions>(options => options.SiloName = host.Name);
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Orleans:Membership"));

        if (string.IsNullOrWhiteSpace(host.AdvertisedAddress))
        {
            silo.ConfigureEndpoints(host.SiloPort, host.GatewayPort);
        }
        else
        {
            silo.ConfigureEndpoints(IPAddress.Parse(host.AdvertisedAddress), host.SiloPort, host.GatewayPort, listenOnAnyHostAddress: false);
        }

        silo.UseAdoNetClustering(options =>
        {
            options.Invariant = ClusterSettings.AdoNetInvariant;
            options.ConnectionString = cluster.ConnectionString;
        });
        silo.AddAdoNetGrainStorage(StorageNames.Voices, options =>
        {
            options.Invariant = ClusterSettings.AdoNetInvariant;
            options.ConnectionString = cluster.ConnectionString;
        });
        if (configuration.GetValue("Orleans:Kubernetes", false))
        {
            // Pod name becomes the silo name, the pod IP the advertised address; dead silos' pods are deleted.
            silo.UseKubernetesHosting();
        }

        silo.AddQwenTtsDevices(configuration);
        // A request's trace continues through the grain calls it makes (see the frontend's client configuration).
        silo.AddActivityPropagation();
        silo.Services.AllowStorageExceptions();
        silo.AddDashboard();
        return silo;
    }
}
