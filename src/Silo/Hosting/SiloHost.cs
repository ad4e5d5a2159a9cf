using QwenTts.ServiceDefaults;
using QwenTts.Storage;

namespace QwenTts.Silo.Hosting;

/// <summary>Builds the silo process: Orleans, storage, health and metrics endpoints.</summary>
public static class SiloHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        var host = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>() ?? new SiloHostOptions();
        builder.AddServiceDefaults("qwentts-silo", host.Name);

        builder.Services.AddOptions<SiloHostOptions>().BindConfiguration(SiloHostOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var cluster = ClusterSettings.From(builder.Configuration);

        builder.Services.AddQwenTtsStorage(cluster.ConnectionString, HealthEndpoints.ReadyTag);
        builder.Services.AddPostgresProbe();
        // Registered before Orleans so the schema is checked (or migrated) before the silo joins the cluster.
        builder.Services.AddHostedService<SchemaGate>();
        builder.Services.AddHealthChecks().AddCheck<SiloHealthCheck>("silo", tags: [HealthEndpoints.ReadyTag]);
        builder.UseOrleans(silo => silo.ConfigureQwenTtsSilo(builder.Configuration, host));
        builder.Services.PublishAtZeroOnStart(_ => Engine.Runtime.EngineMetrics.PublishZero());

        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }
}
