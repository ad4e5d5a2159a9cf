using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>
/// Traces with OpenTelemetry, the same way in every process, and only when an OTLP endpoint is configured
/// (<see cref="OtlpSettings"/>). One trace per speech request, WebSocket sentence or job segment: the frontend's
/// request and routing spans, Orleans' grain calls (activity propagation is switched on in the client and the silos),
/// and the card's spans on the silo that ran it, down to the engine's prefill.
/// </summary>
public static class TracingDefaults
{
    /// <summary>
    /// Activity sources traced: ours, Orleans' application grain calls (not its runtime's own: membership, directory),
    /// and Npgsql's commands (a quota or voice grain's state read or written under a request).
    /// </summary>
    public static readonly string[] Sources =
        ["QwenTts.Frontend", "QwenTts.Routing", "QwenTts.Devices", "QwenTts.Engine", "Microsoft.Orleans.Application", "Npgsql"];

    /// <summary>Paths never traced: probes and operator pages polled every few seconds.</summary>
    private static readonly PathString[] Untraced = ["/healthz", "/readyz", "/metrics", "/cards", "/dashboard"];

    public static void AddQwenTtsTracing(this IHostApplicationBuilder builder, OpenTelemetryBuilder telemetry, string serviceName, string instance)
    {
        var otlp = OtlpSettings.From(builder.Configuration);
        if (otlp is null)
        {
            return;
        }

        var options = builder.Configuration.GetSection(TracingOptions.Section).Get<TracingOptions>() ?? new TracingOptions();
        options.Validate();
        builder.Services.AddSingleton(sp => ActivatorUtilities.CreateInstance<TelemetryHealth>(sp, otlp, options));
        builder.Services.PublishAtZeroOnStart(sp => sp.GetRequiredService<TelemetryHealth>().PublishZero());
        telemetry.WithTracing(tracing => tracing
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: instance))
            .SetSampler(new TraceSampler(options.SampleRatio))
            .AddSource(Sources)
            .AddAspNetCoreInstrumentation(aspNetCore =>
            {
                aspNetCore.Filter = context => !Untraced.Any(path => context.Request.Path.StartsWithSegments(path));
                aspNetCore.RecordException = true;
                // An audio link's path is its token: the span keeps the route instead (known once routing has run).
                aspNetCore.EnrichWithHttpResponse = (activity, response) =>
                {
                    if (response.HttpContext.GetEndpoint() is Microsoft.AspNetCore.Routing.RouteEndpoint endpoint
                        && endpoint.Metadata.GetMetadata<SecretInPathMetadata>() is not null)
                    {
                        activity.SetTag("url.path", endpoint.RoutePattern.RawText);
                    }
                };
            })
            .AddProcessor(sp =>
            {
                var health = sp.GetRequiredService<TelemetryHealth>();
                return new ErrorKeepingExportProcessor(new VisibleOtlpTraceExporter(otlp.ExporterOptions(), health), options,
                    otlp.ScheduleDelayMilliseconds, health);
            }));
    }
}
