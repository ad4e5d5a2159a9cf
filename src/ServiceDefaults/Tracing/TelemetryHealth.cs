using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>
/// Makes the tracing pipeline's own failures visible ("QwenTts.Telemetry" on /metrics, and the log): batches the
/// collector did not take, and held traces let go early for memory. Without this they would only show in the SDK's
/// event source, which nobody reads.
/// </summary>
public sealed partial class TelemetryHealth
{
    public const string MeterName = "QwenTts.Telemetry";

    private static readonly TimeSpan LogEvery = TimeSpan.FromMinutes(1);

    private readonly Counter<long> _exportFailures;
    private readonly Counter<long> _evicted;
    private readonly ILogger<TelemetryHealth> _logger;
    private readonly string _endpoint;
    private long _lastFailureLog = long.MinValue;
    private int _failing;

    public TelemetryHealth(IMeterFactory meters, ILogger<TelemetryHealth> logger, OtlpSettings settings, TracingOptions options)
    {
        var meter = meters.Create(MeterName);
        _exportFailures = meter.CreateCounter<long>("qwentts.telemetry.export_failures",
            description: "Span batches the OTLP collector did not take (unreachable, refusing, timed out), by signal");
        _evicted = meter.CreateCounter<long>("qwentts.telemetry.held_spans_evicted",
            description: "Spans of unsampled traces let go before their hold ended because Tracing:ErrorHoldSpans was reached (an error in them would go untraced)");
        _logger = logger;
        _endpoint = settings.Endpoint.GetLeftPart(UriPartial.Path);
        LogTracingOn(logger, _endpoint, settings.Protocol.ToString(), options.SampleRatio);
    }

    /// <summary>See <see cref="ZeroCounters"/>.</summary>
    public void PublishZero()
    {
        _exportFailures.Add(0, new KeyValuePair<string, object?>("signal", "traces"));
        _evicted.Add(0);
    }

    public void Exported(bool succeeded, long spans)
    {
        if (succeeded)
        {
            if (Interlocked.Exchange(ref _failing, 0) == 1)
            {
                LogExportRecovered(_logger, _endpoint);
            }

            return;
        }

        _exportFailures.Add(1, new KeyValuePair<string, object?>("signal", "traces"));
        Interlocked.Exchange(ref _failing, 1);
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastFailureLog);
        if ((last == long.MinValue || Stopwatch.GetElapsedTime(last, now) >= LogEvery) && Interlocked.CompareExchange(ref _lastFailureLog, now, last) == last)
        {
            LogExportFailed(_logger, spans, _endpoint);
        }
    }

    public void HeldTraceEvicted(int spans) => _evicted.Add(spans);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tracing to {Endpoint} over {Protocol}, sample ratio {Ratio} (errors always)")]
    private static partial void LogTracingOn(ILogger logger, string endpoint, string protocol, double ratio);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Traces not exported: the OTLP collector at {Endpoint} did not take a batch of {Spans} spans (see qwentts_telemetry_export_failures_total; logged at most once a minute)")]
    private static partial void LogExportFailed(ILogger logger, long spans, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Traces reach the OTLP collector at {Endpoint} again")]
    private static partial void LogExportRecovered(ILogger logger, string endpoint);
}
