using QwenTts.ServiceDefaults;
using QwenTts.Storage;

namespace QwenTts.Silo.Hosting;

/// <summary>Builds the silo process: Orleans, storage, health and metrics endpoints.</summary>
public static class SiloHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();

        builder.Services.AddOptions<SiloHostOptions>().BindConfiguration(SiloHostOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var host = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        var cluster = ClusterSettings.From(builder.Configuration);

        builder.Services.AddQwenTtsStorage(cluster.ConnectionString, HealthEndpoints.ReadyTag);
        // Registered before Orleans so the schema is checked (or migrated) before the silo joins the cluster.
        builder.Services.AddHostedService<SchemaGate>();
        builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo", tags: [HealthEndpoints.ReadyTag]);
        builder.UseOrleans(silo => silo.ConfigureQwenTtsSilo(builder.Configuration, host));

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
