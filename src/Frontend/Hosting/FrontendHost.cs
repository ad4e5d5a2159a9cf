using QwenTts.ServiceDefaults;
using QwenTts.Storage;
using Scalar.AspNetCore;

namespace QwenTts.Frontend.Hosting;

/// <summary>Builds the frontend process: Orleans client, storage, API, OpenAPI, health and metrics.</summary>
public static class FrontendHost
{
    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddServiceDefaults();
        builder.Services.AddOpenApi();

        var cluster = ClusterSettings.From(builder.Configuration);
        builder.Services.AddQwenTtsStorage(cluster.ConnectionString, HealthEndpoints.ReadyTag);
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster", tags: [HealthEndpoints.ReadyTag]);
        builder.UseOrleansClient(client => client.ConfigureQwenTtsClient(builder.Configuration));

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapDefaultEndpoints();
        return app;
    }
}
