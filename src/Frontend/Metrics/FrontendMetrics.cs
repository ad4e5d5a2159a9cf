using System.Diagnostics;
using System.Diagnostics.Metrics;
using QwenTts.Routing;

namespace QwenTts.Frontend.Metrics;

/// <summary>
/// Prometheus-exported metrics of the frontend ("QwenTts.Frontend"): request latency, time to first audio, real-time
/// factor, outcomes and audio per tenant, streams that fell behind playback; per card, from the cluster's card table:
/// queue, running utterances, frames/s, health, stalls; and per card kind the queued work, cards, utilisation and
/// throughput that autoscaling reads. Dashboards and alert rules (deploy/monitoring) read these names.
/// </summary>
public sealed class FrontendMetrics
{
    public const string MeterName = "QwenTts.Frontend";
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _firstAudio;
    private readonly Histogram<double> _realTimeFactor;
    private readonly Counter<double> _audio;
    private readonly Counter<long> _underruns;
    private readonly Counter<double> _underrunSilence;

    public FrontendMetrics(IMeterFactory meters, DeviceRouter router)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("qwentts.speech.requests", description: "Speech requests (POST and WebSocket sessions) by tenant, outcome and format");
        _latency = meter.CreateHistogram("qwentts.speech.duration", "s", "Speech request latency, arrival to last byte", null, HistogramBuckets.Seconds);
        _firstAudio = meter.CreateHistogram("qwentts.speech.time_to_first_audio", "s", "Arrival to first audio", null, HistogramBuckets.Seconds);
        _realTimeFactor = meter.CreateHistogram("qwentts.speech.real_time_factor", null, "Request latency over audio duration", null, HistogramBuckets.Ratio);
        _audio = meter.CreateCounter<double>("qwentts.speech.audio", "s", "Seconds of audio delivered to callers, by tenant");
        _underruns = meter.CreateCounter<long>("qwentts.speech.underruns",
            description: "Streams that fell behind playback: a chunk came after the client had played all audio sent before it (counted once per request or WebSocket session), by api");
        _underrunSilence = meter.CreateCounter<double>("qwentts.speech.underrun_silence", "s",
            description: "Silence a client playing at real time heard while its stream was behind, by api");
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
        meter.CreateObservableGauge("qwentts.device.stalled", () => router.Devices.Select(d => Measure(d.Stalled ? 1 : 0, d)),
            description: "1 while the card is stalled: busy, yet no audio for longer than its stall bound (it takes no new work)");

        // Per card kind, what the autoscalers read (deploy/k8s/autoscaling.yaml); every frontend sees the whole cluster.
        meter.CreateObservableGauge(KindCapacity.QueuedWorkMetric, () => Kinds(router, k => k.QueuedWorkSeconds),
            description: "Seconds of expected work queued on the cards of a kind (queued frames over measured rate, summed); for a kind with no cards, the work waiting at this frontend for a card with room");
        meter.CreateObservableGauge("qwentts.capacity.cards", () => Kinds(router, k => k.Cards), description: "Cards of a kind in rotation");
        meter.CreateObservableGauge("qwentts.capacity.utilisation", () => Kinds(router, k => k.Utilisation),
            description: "Running utterances over slots on the cards of a kind (0..1)");
        meter.CreateObservableGauge("qwentts.capacity.frames_per_second", () => Kinds(router, k => k.FramesPerSecond),
            description: "Measured throughput of the cards of a kind in rotation");
    }

    private static IEnumerable<Measurement<double>> Kinds(DeviceRouter router, Func<KindCapacity, double> value) =>
        KindCapacity.Of(router.Devices, router.WaitingFrames).Select(k => new Measurement<double>(value(k), new KeyValuePair<string, object?>("kind", k.Kind)));

    public void RequestFinished(string tenant, string outcome, string format, TimeSpan elapsed, double audioSeconds)
    {
        _requests.Add(1, new TagList { { "tenant", tenant }, { "outcome", outcome }, { "format", format } });
        _latency.Record(elapsed.TotalSeconds, new TagList { { "outcome", outcome }, { "format", format } });
        if (audioSeconds > 0)
        {
            _audio.Add(audioSeconds, new KeyValuePair<string, object?>("tenant", tenant));
            _realTimeFactor.Record(elapsed.TotalSeconds / audioSeconds);
        }
    }

    /// <summary>A stream fell behind playback (once per request or session), with the silence it caused in all.</summary>
    public void FellBehind(string api, double silenceSeconds)
    {
        _underruns.Add(1, new KeyValuePair<string, object?>("api", api));
        _underrunSilence.Add(silenceSeconds, new KeyValuePair<string, object?>("api", api));
    }

    /// <summary>See ServiceDefaults' ZeroCounters: the underrun series exist before the first underrun.</summary>
    public void PublishZero()
    {
        foreach (var api in new[] { SpeechApi, StreamApi })
        {
            _underruns.Add(0, new KeyValuePair<string, object?>("api", api));
            _underrunSilence.Add(0, new KeyValuePair<string, object?>("api", api));
        }
    }

    /// <summary>The api label: POST /v1/audio/speech, and the WebSocket text-in endpoint.</summary>
    public const string SpeechApi = "speech";

    public const string StreamApi = "stream";

    public void FirstAudio(TimeSpan elapsed) => _firstAudio.Record(elapsed.TotalSeconds);

    private static Measurement<double> Measure(double value, Grains.Interfaces.Devices.DeviceLoad device) => new(value,
        new KeyValuePair<string, object?>("device", device.Device.Key),
        new KeyValuePair<string, object?>("kind", device.Kind.ToString().ToLowerInvariant()),
        new KeyValuePair<string, object?>("emulated", device.Emulated));
}
