namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>
/// How much is traced; bound from <c>Tracing</c>. Where traces go is the standard <c>OTEL_EXPORTER_OTLP_*</c>
/// configuration (<see cref="OtlpSettings"/>): without an endpoint nothing is traced.
/// </summary>
public sealed class TracingOptions
{
    public const string Section = "Tracing";

    /// <summary>
    /// Share of new traces (speech requests, WebSocket sentences, job segments) that are exported: 1 all, 0.1 one in
    /// ten, 0 none but those with an error. A caller's own traceparent decides for its request.
    /// </summary>
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>
    /// How long the spans of a trace that was not sampled are held, after its latest span ended, in case one of its
    /// spans ends in error: then the trace is exported after all.
    /// </summary>
    public TimeSpan ErrorHold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Spans held that way at most (memory bound); past it the traces idle longest are let go.</summary>
    public int ErrorHoldSpans { get; set; } = 20_000;

    public void Validate()
    {
        if (double.IsNaN(SampleRatio) || SampleRatio is < 0 or > 1)
        {
            throw new InvalidOperationException($"Tracing:SampleRatio is {SampleRatio}; it must be between 0 (only traces with an error) and 1 (every trace).");
        }

        if (ErrorHold <= TimeSpan.Zero || ErrorHoldSpans <= 0)
        {
            throw new InvalidOperationException("Tracing:ErrorHold and Tracing:ErrorHoldSpans must be positive.");
        }
    }
}
