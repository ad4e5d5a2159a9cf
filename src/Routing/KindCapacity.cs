using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Routing;

/// <summary>
/// The cluster's capacity and queued work for one card kind, what an autoscaler scales that kind's silos on: seconds
/// of expected work queued (each card's queued frames over its measured rate, summed), cards in rotation, utilisation
/// (running utterances over slots) and measured frames per second. A batching card counts at the rate it measured with
/// its slots full (<see cref="DeviceLoad.RateWith"/>): its work drains that fast, and that is what it adds.
/// </summary>
public sealed record KindCapacity(string Kind, int Cards, double QueuedWorkSeconds, double Utilisation, double FramesPerSecond)
{
    /// <summary>The metric the autoscalers read (Prometheus: dots become underscores).</summary>
    public const string QueuedWorkMetric = "qwentts.capacity.queued_work_seconds";

    /// <summary>Queued work per card: what the autoscaler holds at its target.</summary>
    public double QueuedWorkSecondsPerCard => Cards == 0 ? QueuedWorkSeconds : QueuedWorkSeconds / Cards;

    /// <summary>
    /// One entry per card kind, present or not; cards out of rotation (unhealthy, draining) count as work but not as
    /// capacity. A kind with no cards at all gets the <paramref name="unplacedFrames"/> (requests waiting at the router
    /// because no card in rotation has room) as its queued work, so an autoscaler with no replicas of it (KEDA
    /// minReplicaCount 0) starts its first silo when the cluster cannot take the work waiting. Absent kinds have no
    /// measured rate: the frames are counted at the cluster's mean rate per card, or at real time when no card is up.
    /// </summary>
    public static IReadOnlyList<KindCapacity> Of(IEnumerable<DeviceLoad> devices, double unplacedFrames = 0)
    {
        var byKind = devices.ToLookup(d => Name(d.Kind));
        var serving = byKind.SelectMany(k => k).Where(d => d.Healthy && !d.Draining).ToList();
        var absentRate = serving.Count > 0 ? serving.Average(d => Math.Max(Full(d), 1e-3)) : RealTimeFramesPerSecond;
        return [.. Enum.GetValues<DeviceKind>().Select(Name).Order(StringComparer.Ordinal).Select(kind => byKind[kind].Any()
            ? Present(kind, [.. byKind[kind]])
            : new KindCapacity(kind, 0, unplacedFrames / absentRate, 0, 0))];
    }

    /// <summary>Qwen3-TTS-12Hz speaks 12.5 frames a second: a card of unknown speed is counted as one at real time.</summary>
    private const double RealTimeFramesPerSecond = Grains.Interfaces.Synthesis.Playback.FramesPerSecond;

    private static string Name(DeviceKind kind) => kind.ToString().ToLowerInvariant();

    private static KindCapacity Present(string kind, IReadOnlyList<DeviceLoad> cards)
    {
        var serving = cards.Where(d => d.Healthy && !d.Draining).ToList();
        var slots = serving.Sum(d => d.MaxConcurrent);
        return new KindCapacity(
            kind,
            serving.Count,
            cards.Sum(d => d.QueuedWorkFrames / Math.Max(Full(d), 1e-3)),
            slots == 0 ? 0 : Math.Min(1, serving.Sum(d => d.Active) / (double)slots),
            serving.Sum(Full));
    }

    /// <summary>What a card gives with as many running as it runs at once.</summary>
    private static double Full(DeviceLoad card) => card.RateWith(Math.Max(1, card.RunsAtOnce));
}
