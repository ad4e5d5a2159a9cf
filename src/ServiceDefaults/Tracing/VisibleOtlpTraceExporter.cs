using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Exporter;

namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>The SDK's OTLP trace exporter, with each failed batch reported to <see cref="TelemetryHealth"/>.</summary>
/// <remarks>A subclass rather than a wrapper: the exporter reads the service's resource from its provider, which the SDK
/// hands only to the exporter its processor holds.</remarks>
public sealed class VisibleOtlpTraceExporter(OtlpExporterOptions options, TelemetryHealth health) : OtlpTraceExporter(options)
{
    public override ExportResult Export(in Batch<Activity> batch)
    {
        var result = base.Export(batch);
        health.Exported(result == ExportResult.Success, batch.Count);
        return result;
    }
}
