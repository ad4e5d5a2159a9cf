using System.Diagnostics.Metrics;

namespace QwenTts.Engine.Runtime;

/// <summary>The engine's meter (exported on a silo's /metrics as qwentts_engine_*).</summary>
public static class EngineMetrics
{
    public const string MeterName = "QwenTts.Engine";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> NonFinite = Meter.CreateCounter<long>("qwentts.engine.non_finite", description: "Graph outputs with NaN or inf, by graph");

    /// <summary>
    /// Publishes the counter of every graph at zero (ServiceDefaults' ZeroCounters): a series that first appears at 1 is
    /// invisible to Prometheus' increase(), and the alert on non-finite outputs would miss a graph's first one.
    /// </summary>
    public static void PublishZero()
    {
        foreach (var graph in Model.GraphNames.All)
        {
            NonFinite.Add(0, new KeyValuePair<string, object?>("graph", graph));
        }
    }

    public static void NonFiniteOutput(string graph) => NonFinite.Add(1, new KeyValuePair<string, object?>("graph", graph));
}
