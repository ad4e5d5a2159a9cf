using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using QwenTts.ServiceDefaults.Tracing;

namespace QwenTts.ServiceDefaults;

/// <summary>Wires telemetry (metrics always, traces when an OTLP endpoint is set), health checks and problem details the same way in the silo and the frontend.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Meters every QwenTts process exports on <c>/metrics</c>.</summary>
    public static readonly string[] Meters =
        ["Microsoft.Orleans", "QwenTts.Frontend", "QwenTts.Engine", "QwenTts.Routing", "QwenTts.Storage", TelemetryHealth.MeterName];

    /// <param name="serviceName">The process's name on its traces (qwentts-frontend, qwentts-silo).</param>
    /// <param name="instance">This process among its kind (the silo's name; host and process id for a frontend).</param>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string serviceName, string instance) where TBuilder : IHostApplicationBuilder
    {
        builder.AddQwenTtsLogging();
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        builder.Services.Configure<HostOptions>(options =>
        {
            // Long enough for a silo to finish or hand over the utterances it is synthesising.
            options.ShutdownTimeout = builder.Configuration.GetValue("ShutdownTimeout", TimeSpan.FromSeconds(60));
        });
        var telemetry = builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddMeter(Meters)
            .AddPrometheusExporter());
        builder.AddQwenTtsTracing(telemetry, serviceName, instance);
        return builder;
    }

    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthEndpoints();
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
