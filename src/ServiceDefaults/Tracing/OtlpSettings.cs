using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;

namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>
/// Where traces go, from the OpenTelemetry standard settings (environment variables, or any configuration source):
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the collector's base address; <c>/v1/traces</c> is appended for HTTP) or
/// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> (the full address), <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>
/// (<c>http/protobuf</c>, the specification's default, or <c>grpc</c>), <c>OTEL_EXPORTER_OTLP_HEADERS</c> (e.g. a
/// backend's API key, by environment only), <c>OTEL_EXPORTER_OTLP_TIMEOUT</c> and <c>OTEL_BSP_SCHEDULE_DELAY</c>
/// (milliseconds). Read here rather than by the exporter so that a mistake stops the process at start with its reason.
/// </summary>
public sealed record OtlpSettings(Uri Endpoint, OtlpExportProtocol Protocol, string? Headers, int TimeoutMilliseconds, int ScheduleDelayMilliseconds)
{
    public const string EndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string TracesEndpointKey = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    /// <summary>The settings, or null when no endpoint is configured (tracing off).</summary>
    public static OtlpSettings? From(IConfiguration configuration)
    {
        var traces = configuration[TracesEndpointKey];
        var endpoint = configuration[EndpointKey];
        if (string.IsNullOrWhiteSpace(traces) && string.IsNullOrWhiteSpace(endpoint))
        {
            return null;
        }

        var protocolName = configuration["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"] ?? configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "http/protobuf";
        var protocol = protocolName.Trim().ToLowerInvariant() switch
        {
            "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            _ => throw new InvalidOperationException(
                $"OTEL_EXPORTER_OTLP_PROTOCOL is '{protocolName}'; the .NET exporter speaks 'http/protobuf' (port 4318 on a collector) or 'grpc' (4317), not http/json."),
        };

        var specific = !string.IsNullOrWhiteSpace(traces);
        var text = specific ? traces! : endpoint!;
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new InvalidOperationException(
                $"{(specific ? TracesEndpointKey : EndpointKey)} is '{text}'; it must be an http:// or https:// address, e.g. http://otel-collector:4318");
        }

        // The specification: a base endpoint gets the signal's path for HTTP; a per-signal endpoint is used as given.
        if (!specific && protocol == OtlpExportProtocol.HttpProtobuf)
        {
            address = new Uri(address.AbsoluteUri.TrimEnd('/') + "/v1/traces");
        }

        return new OtlpSettings(address, protocol, configuration["OTEL_EXPORTER_OTLP_TRACES_HEADERS"] ?? configuration["OTEL_EXPORTER_OTLP_HEADERS"],
            Milliseconds(configuration, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000), Milliseconds(configuration, "OTEL_BSP_SCHEDULE_DELAY", 5_000));
    }

    public OtlpExporterOptions ExporterOptions() => new()
    {
        Endpoint = Endpoint,
        Protocol = Protocol,
        Headers = Headers,
        TimeoutMilliseconds = TimeoutMilliseconds,
    };

    private static int Milliseconds(IConfiguration configuration, string key, int fallback)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new InvalidOperationException($"{key} is '{text}'; it must be a positive number of milliseconds.");
    }
}
