using System.Diagnostics;
using System.Diagnostics.Metrics;
using QwenTts.Routing;

namespace QwenTts.Frontend.Metrics;

/// <summary>
/// Prometheus-exported metrics of the frontend ("QwenTts.Frontend"): request latency, time to first audio, real-time
/// factor, outcomes; per card, from the cluster's card table: queue, running utterances, frames/s; and per card kind
/// the queued work, cards, utilisation and throughput that autoscaling reads.
/// </summary>
public sealed class FrontendMetrics
{
    public const string MeterName = "QwenTts.Frontend";
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _firstAudio;
    private readonly Histogram<double> _realTimeFactor;

    public FrontendMetrics(IMeterFactory meters, DeviceRouter router)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("qwentts.speech.requests", description: "Speech requests by outcome and format");
        _latency = meter.CreateHistogram<double>("qwentts.speech.duration", "s", "Speech request latency, arrival to last byte");
        _firstAudio = meter.CreateHistogram<double>("qwentts.speech.time_to_first_audio", "s", "Arrival to first audio");
        _realTimeFactor = meter.CreateHistogram<double>("qwentts.speech.real_time_factor", description: "Request latency over audio duration");
        meter.CreateObservableGauge("qwentts.device.queued", () => router.Devices.Select(d => Measure(d.Queued, d)), description: "Utterances waiting per card");
        meter.CreateObservableGauge("qwentts.device.active", () => router.Devices.Select(d => Measure(d.Active, d)), description: "Utterances running per card");
        meter.CreateObservableGauge("qwentts.device.frames_per_second", () => router.Devices.Select(d => Measure(d.FramesPerSecond, d)),
            description: "Measured throughput per card while busy");
        meter.CreateObservableGauge("qwentts.device.queued_work_frames", () => router.Devices.Select(d => Measure(d.QueuedWorkFrames, d)),
            description: "Frames still to generate per card");
        meter.CreateObservableGauge("qwentts.device.health", () => router.Devices.Select(d => Measure((int)d.Health, d)),
            description: "Card health: 0 healthy, 1 degraded (serves), 2 unhealthy (no traffic until a probe passes)");
        meter.CreateObservableGauge("qwentts.device.failed", () => router.Devices.Select(d => Measure(d.FailedTotal, d)),
            description: "Utterances failed on the card since it started");

        // Per card kind, what the autoscalers read (deploy/k8s/autoscaling.yaml); every frontend sees the whole cluster.
        meter.CreateObservableGauge(KindCapacity.QueuedWorkMetric, () => Kinds(router, k => k.QueuedWorkSeconds),
            description: "Seconds of expected work queued on the cards of a kind (queued frames over measured rate, summed)");
        meter.CreateObservableGauge("qwentts.capacity.cards", () => Kinds(router, k => k.Cards), description: "Cards of a kind in rotation");
        meter.CreateObservableGauge("qwentts.capacity.utilisation", () => Kinds(router, k => k.Utilisation),
            description: "Running utterances over slots on the cards of a kind (0..1)");
        meter.CreateObservableGauge("qwentts.capacity.frames_per_second", () => Kinds(router, k => k.FramesPerSecond),
            description: "Measured throughput of the cards of a kind in rotation");
    }

    private static IEnumerable<Measurement<double>> Kinds(DeviceRouter router, Func<KindCapacity, double> value) =>
        KindCapacity.Of(router.Devices).Select(k => new Measurement<double>(value(k), new KeyValuePair<string, object?>("kind", k.Kind)));

    public void RequestFinished(string outcome, string format, TimeSpan elapsed, double audioSeconds)
    {
        var tags = new TagList { { "outcome", outcome }, { "format", format } };
        _requests.Add(1, tags);
        _latency.Record(elapsed.TotalSeconds, tags);
        if (audioSeconds > 0)
        {
            _realTimeFactor.Record(elapsed.TotalSeconds / audioSeconds);
        }
    }

    public void FirstAudio(TimeSpan elapsed) => _firstAudio.Record(elapsed.TotalSeconds);

    private static Measurement<double> Measure(double value, Grains.Interfaces.Devices.DeviceLoad device) => new(value,
        new KeyValuePair<string, object?>("device", device.Device.Key),
        new KeyValuePair<string, object?>("kind", device.Kind.ToString().ToLowerInvariant()),
        new KeyValuePair<string, object?>("emulated", device.Emulated));
}
