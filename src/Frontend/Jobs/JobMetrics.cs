using System.Diagnostics.Metrics;
using QwenTts.Frontend.Metrics;
using QwenTts.Storage.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Jobs on the frontend's meter: how jobs end, how often their segments are retried, how callbacks and robots fare, and
/// the backlog this frontend saw at its last poll of the job index (every frontend sees all jobs).
/// </summary>
public sealed class JobMetrics
{
    private static readonly string[] Targets = ["callback", "wecom", "dingtalk"];
    private readonly TimeProvider _clock;
    private volatile JobBacklog _backlog = new(0, 0, null);

    private readonly Counter<long> _finished;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _deliveries;

    public JobMetrics(IMeterFactory meters, TimeProvider clock)
    {
        _clock = clock;
        var meter = meters.Create(FrontendMetrics.MeterName);
        _finished = meter.CreateCounter<long>("qwentts.jobs.finished", description: "Jobs this frontend ran to an end, by outcome (completed, failed)");
        _retries = meter.CreateCounter<long>("qwentts.jobs.retries", description: "Retries of a job's remaining segments after a card, silo or cluster failure");
        _deliveries = meter.CreateCounter<long>("qwentts.jobs.deliveries",
            description: "Callback and robot deliveries by target and outcome (a callback counts once: delivered, or failed after its last attempt)");
        meter.CreateObservableGauge("qwentts.jobs.backlog", () => new[]
        {
            new Measurement<int>(_backlog.Queued, new KeyValuePair<string, object?>("status", "queued")),
            new Measurement<int>(_backlog.Running, new KeyValuePair<string, object?>("status", "running")),
        }, description: "Unfinished jobs at this frontend's last poll of the job index, by status");
        meter.CreateObservableGauge("qwentts.jobs.oldest_queued_age", () => _backlog.OldestQueued is { } oldest ? Math.Max(0, (_clock.GetUtcNow() - oldest).TotalSeconds) : 0,
            "s", "Age of the oldest job no frontend has started, as of this frontend's last successful poll (it keeps growing while polls fail); 0 when none waits");
    }

    /// <summary>What the last poll of the job index found.</summary>
    /// <summary>The queue's figures, cluster-wide (every frontend reads the same table), as of this frontend's last poll.</summary>
    public void Polled(JobBacklog backlog) => _backlog = backlog;

    /// <summary>See ServiceDefaults' ZeroCounters: the delivery and retry series exist before the first event.</summary>
    public void PublishZero()
    {
        foreach (var target in Targets)
        {
            Delivered(target, ok: true, count: 0);
            Delivered(target, ok: false, count: 0);
        }

        _retries.Add(0);
    }

    public void Finished(string outcome) => _finished.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Retried() => _retries.Add(1);

    public void Delivered(string target, bool ok) => Delivered(target, ok, 1);

    private void Delivered(string target, bool ok, int count) =>
        _deliveries.Add(count, new KeyValuePair<string, object?>("target", target), new KeyValuePair<string, object?>("outcome", ok ? "delivered" : "failed"));

}
