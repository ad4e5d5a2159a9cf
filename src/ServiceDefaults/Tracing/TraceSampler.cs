using System.Diagnostics;
using OpenTelemetry.Trace;

namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>
/// Which traces are sampled. A continued trace follows its parent (a caller's traceparent on the frontend, the
/// frontend's decision on a silo), so a trace is whole or absent across processes. A trace of its own for a WebSocket
/// sentence or a job segment is sampled when the request it is linked to was. A new trace is sampled by the head-based
/// ratio (<see cref="TracingOptions.SampleRatio"/>). What is not sampled is still recorded, so that an error in it can
/// export it after all (<see cref="ErrorKeepingExportProcessor"/>); such a trace carries <see cref="HeldState"/> in
/// its W3C tracestate, so the silos hold their part of it too.
/// Only a request or a segment starts a trace: the grain calls of timers and load reports, the card table's refresh and
/// health probes, which run without a request, start none. (The SDK still makes a propagation-only activity for a
/// dropped root; having no <see cref="HeldState"/>, what it calls is dropped as well.)
/// </summary>
public sealed class TraceSampler(double ratio) : Sampler
{
    /// <summary>The tracestate entry of a trace that was not sampled but is held for errors.</summary>
    public const string HeldState = "qwentts=held";

    public const string SegmentSpanName = "qwentts.segment";

    private const string HttpRequest = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    /// <summary>Operation names that may start a trace: ASP.NET Core's request activity and a segment of its own.</summary>
    public static readonly IReadOnlySet<string> Roots = new HashSet<string>(StringComparer.Ordinal) { HttpRequest, SegmentSpanName };

    private static readonly SamplingResult Sampled = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Dropped = new(SamplingDecision.Drop);

    private readonly TraceIdRatioBasedSampler _ratio = new(ratio);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var parent = samplingParameters.ParentContext;
        if (parent.TraceId != default)
        {
            if (IsSampled(parent))
            {
                return Sampled;
            }

            // Part of a trace held for errors; or a request of ours whose caller did not sample it (errors always).
            return IsHeld(parent.TraceState) || samplingParameters.Name == HttpRequest ? Held(parent.TraceState) : Dropped;
        }

        if (!Roots.Contains(samplingParameters.Name))
        {
            return Dropped;
        }

        if (samplingParameters.Links is { } links && links.Any(link => IsSampled(link.Context)))
        {
            return Sampled;
        }

        return _ratio.ShouldSample(samplingParameters).Decision == SamplingDecision.RecordAndSample ? Sampled : Held(null);
    }

    private static bool IsSampled(ActivityContext context) => (context.TraceFlags & ActivityTraceFlags.Recorded) != 0;

    private static bool IsHeld(string? traceState) =>
        traceState is { Length: > 0 } && traceState.Split(',').Any(entry => entry.Trim() == HeldState);

    /// <summary>Recorded, not sampled; the tracestate says so to the processes the trace goes on to (other vendors' entries kept).</summary>
    private static SamplingResult Held(string? traceState) => new(SamplingDecision.RecordOnly,
        IsHeld(traceState) ? traceState! : string.IsNullOrEmpty(traceState) ? HeldState : HeldState + "," + traceState);
}
