using System.Diagnostics.Metrics;

namespace QwenTts.Routing;

/// <summary>The routing meter ("QwenTts.Routing", exported on the frontend's /metrics as qwentts_routing_*).</summary>
public static class RoutingMetrics
{
    public const string MeterName = "QwenTts.Routing";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Failovers = Meter.CreateCounter<long>("qwentts.routing.failovers",
        description: "Segments regenerated on another card after their card died mid-utterance; exact=false when the new card's numerics differ (spliced with a crossfade)");

    public static void Failover(bool exact) => Failovers.Add(1, new KeyValuePair<string, object?>("exact", exact));
}
