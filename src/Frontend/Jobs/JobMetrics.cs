using System.Diagnostics.Metrics;
using QwenTts.Frontend.Metrics;

namespace QwenTts.Frontend.Jobs;

/// <summary>Jobs on the frontend's meter: how jobs end, how often their segments are retried, how callbacks and robots fare.</summary>
public sealed class JobMetrics
{
    private readonly Counter<long> _finished;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _deliveries;

    public JobMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(FrontendMetrics.MeterName);
        _finished = meter.CreateCounter<long>("qwentts.jobs.finished", description: "Jobs this frontend ran to an end, by outcome (completed, failed)");
        _retries = meter.CreateCounter<long>("qwentts.jobs.retries", description: "Retries of a job's remaining segments after a card, silo or cluster failure");
        _deliveries = meter.CreateCounter<long>("qwentts.jobs.deliveries", description: "Callback and robot deliveries by target and outcome");
    }

    public void Finished(string outcome) => _finished.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Retried() => _retries.Add(1);

    public void Delivered(string target, bool ok) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>("target", target), new KeyValuePair<string, object?>("outcome", ok ? "delivered" : "failed"));
}
