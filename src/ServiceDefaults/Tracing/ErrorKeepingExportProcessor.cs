using System.Diagnostics;
using OpenTelemetry;

namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>
/// Exports sampled spans in batches, as the SDK's batch processor does, and holds the spans of traces that were not
/// sampled for a while (<see cref="TracingOptions.ErrorHold"/> after their latest span ended): when one of them ends in
/// error, the trace's spans seen by this process are exported after all, and so are its later ones. So an error is
/// traced whatever the ratio. Each process decides on its own spans; a failed card marks its span on the silo and the
/// frontend's attempt span alike, so both halves of such a trace are exported and stay connected. What is held is
/// bounded (<see cref="TracingOptions.ErrorHoldSpans"/>): past it the traces idle longest are let go (counted).
/// </summary>
public sealed class ErrorKeepingExportProcessor : BatchActivityExportProcessor
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ActivityTraceId, HeldTrace> _held = [];
    private readonly LinkedList<HeldTrace> _idleOrder = new(); // least recently touched first
    private readonly Dictionary<ActivityTraceId, long> _kept = []; // traces with an error: their later spans go straight out
    private readonly Queue<(ActivityTraceId Trace, long Since)> _keptOrder = new();
    private readonly long _holdTicks;
    private readonly int _holdSpans;
    private readonly TelemetryHealth? _health;
    private int _heldSpans;

    public ErrorKeepingExportProcessor(BaseExporter<Activity> exporter, TracingOptions options, int scheduledDelayMilliseconds, TelemetryHealth? health = null)
        : base(exporter, scheduledDelayMilliseconds: scheduledDelayMilliseconds)
    {
        _holdTicks = (long)(options.ErrorHold.TotalSeconds * Stopwatch.Frequency);
        _holdSpans = options.ErrorHoldSpans;
        _health = health;
    }

    /// <summary>Spans held now, waiting for an error in their trace or for their hold to pass.</summary>
    public int HeldSpans
    {
        get
        {
            lock (_gate)
            {
                return _heldSpans;
            }
        }
    }

    public override void OnEnd(Activity data)
    {
        if (data.Recorded)
        {
            base.OnEnd(data);
            return;
        }

        List<Activity>? release = null;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            LetGoOfIdle(now);
            var trace = data.TraceId;
            if (_kept.ContainsKey(trace))
            {
                _kept[trace] = now;
                release = [data];
            }
            else if (data.Status == ActivityStatusCode.Error)
            {
                release = _held.Remove(trace, out var held) ? Forget(held) : [];
                release.Add(data);
                _kept[trace] = now;
                _keptOrder.Enqueue((trace, now));
            }
            else
            {
                Hold(data, now);
            }
        }

        foreach (var span in release ?? [])
        {
            // Sampled after the fact: the exporter sends only what is marked recorded.
            span.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
            base.OnEnd(span);
        }
    }

    private void Hold(Activity span, long now)
    {
        if (!_held.TryGetValue(span.TraceId, out var held))
        {
            held = new HeldTrace(span.TraceId);
            held.Node = _idleOrder.AddLast(held);
            _held[span.TraceId] = held;
        }
        else
        {
            _idleOrder.Remove(held.Node!);
            _idleOrder.AddLast(held.Node!);
        }

        held.Spans.Add(span);
        held.Touched = now;
        _heldSpans++;
        while (_heldSpans > _holdSpans && _idleOrder.First is { } oldest)
        {
            _health?.HeldTraceEvicted(oldest.Value.Spans.Count);
            _held.Remove(oldest.Value.Trace);
            Forget(oldest.Value);
        }
    }

    private void LetGoOfIdle(long now)
    {
        while (_idleOrder.First is { } oldest && now - oldest.Value.Touched > _holdTicks)
        {
            _held.Remove(oldest.Value.Trace);
            Forget(oldest.Value);
        }

        while (_keptOrder.TryPeek(out var kept) && now - kept.Since > _holdTicks)
        {
            _keptOrder.Dequeue();
            if (!_kept.TryGetValue(kept.Trace, out var touched))
            {
                continue;
            }

            if (now - touched > _holdTicks)
            {
                _kept.Remove(kept.Trace);
            }
            else
            {
                _keptOrder.Enqueue((kept.Trace, touched)); // spans of it still end: look again later
            }
        }
    }

    private List<Activity> Forget(HeldTrace held)
    {
        if (held.Node?.List is not null)
        {
            _idleOrder.Remove(held.Node);
        }

        _heldSpans -= held.Spans.Count;
        return held.Spans;
    }

    private sealed class HeldTrace(ActivityTraceId trace)
    {
        public ActivityTraceId Trace { get; } = trace;

        public List<Activity> Spans { get; } = [];

        public long Touched { get; set; }

        public LinkedListNode<HeldTrace>? Node { get; set; }
    }
}
