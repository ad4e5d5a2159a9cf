using System.Diagnostics.Metrics;

namespace QwenTts.Routing;

/// <summary>The routing meter ("QwenTts.Routing", exported on the frontend's /metrics as qwentts_routing_*).</summary>
public static class RoutingMetrics
{
    public const string MeterName = "QwenTts.Routing";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Failovers = Meter.CreateCounter<long>("qwentts.routing.failovers",
        description: "Segments continued on another card after their card died mid-utterance; resumed=true when the new card replayed the frames the caller had (false: regenerated from the start); exact=false when the new card's numerics differ (spliced with a crossfade)");

    /// <summary>
    /// Publishes every failover series and the admission queue at zero (ServiceDefaults' ZeroCounters), so dashboards and
    /// alerts see them before the first event.
    /// </summary>
    public static void PublishZero()
    {
        foreach (var exact in new[] { true, false })
        {
            foreach (var resumed in new[] { true, false })
            {
                Failovers.Add(0, new KeyValuePair<string, object?>("exact", exact), new KeyValuePair<string, object?>("resumed", resumed));
            }
        }

        Moves.Add(0);
        Waiting.Add(0);
    }

    private static readonly Counter<long> Moves = Meter.CreateCounter<long>("qwentts.routing.moves",
        description: "Streams moved to another card because theirs fell behind playback (slower than real time, the listener about to run dry), resumed exactly after the frames the caller had");

    public static void Moved() => Moves.Add(1);

    public static void Failover(bool exact, bool resumed) =>
        Failovers.Add(1, new KeyValuePair<string, object?>("exact", exact), new KeyValuePair<string, object?>("resumed", resumed));

    private static readonly UpDownCounter<long> Waiting = Meter.CreateUpDownCounter<long>("qwentts.routing.admission.waiting",
        description: "Requests waiting for a card with room (none had room when they arrived)");

    private static readonly Histogram<double> WaitSeconds = Meter.CreateHistogram("qwentts.routing.admission.wait", "s",
        "How long requests waited for a card with room; admitted=false when the admission timeout passed and the request was refused", null,
        HistogramBuckets.Seconds);

    public static void AdmissionQueued() => Waiting.Add(1);

    public static void AdmissionDequeued(TimeSpan waited, bool admitted)
    {
        Waiting.Add(-1);
        WaitSeconds.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("admitted", admitted));
    }
}
