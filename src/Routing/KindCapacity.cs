using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Routing;

/// <summary>
/// The cluster's capacity and queued work for one card kind, what an autoscaler scales that kind's silos on: seconds
/// of expected work queued (each card's queued frames over its measured rate, summed), cards in rotation, utilisation
/// (running utterances over slots) and measured frames per second.
/// </summary>
public sealed record KindCapacity(string Kind, int Cards, double QueuedWorkSeconds, double Utilisation, double FramesPerSecond)
{
    /// <summary>The metric the autoscalers read (Prometheus: dots become underscores).</summary>
    public const string QueuedWorkMetric = "qwentts.capacity.queued_work_seconds";

    /// <summary>Queued work per card: what the autoscaler holds at its target.</summary>
    public double QueuedWorkSecondsPerCard => Cards == 0 ? QueuedWorkSeconds : QueuedWorkSeconds / Cards;

    /// <summary>One entry per kind present; cards out of rotation (unhealthy, draining) count as work but not as capacity.</summary>
    public static IReadOnlyList<KindCapacity> Of(IEnumerable<DeviceLoad> devices) =>
        [.. devices.GroupBy(d => d.Kind.ToString().ToLowerInvariant()).OrderBy(g => g.Key, StringComparer.Ordinal).Select(kind =>
        {
            var serving = kind.Where(d => d.Healthy && !d.Draining).ToList();
            var slots = serving.Sum(d => d.MaxConcurrent);
            return new KindCapacity(
                kind.Key,
                serving.Count,
                kind.Sum(d => d.QueuedWorkFrames / Math.Max(d.FramesPerSecond, 1e-3)),
                slots == 0 ? 0 : Math.Min(1, serving.Sum(d => d.Active) / (double)slots),
                serving.Sum(d => d.FramesPerSecond));
        })];
}
