namespace QwenTts.Grains.Devices;

/// <summary>
/// What a card has taken on: each admitted utterance (running, or waiting for a slot) with its progress, and the card's
/// totals, for its load reports. Used only from its card's grain.
/// </summary>
internal sealed class CardWork
{
    private readonly Dictionary<string, JobProgress> _jobs = [];

    public long Admitted { get; private set; }

    public long Completed { get; private set; }

    public long Failed { get; private set; }

    /// <summary>The last failure's message, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>A synthesis admitted: its number among the card's admissions.</summary>
    public long Admit(string requestId, JobProgress progress)
    {
        _jobs[requestId] = progress;
        return ++Admitted;
    }

    /// <summary>Work that takes a slot without being a synthesis (a clone): in the card's load, not in its totals.</summary>
    public void Track(string key, JobProgress progress) => _jobs[key] = progress;

    /// <summary>No longer on the card (done, failed, or gone before it started); false when it was not.</summary>
    public bool Remove(string key) => _jobs.Remove(key);

    public void Complete() => Completed++;

    public void Fail(string message)
    {
        Failed++;
        LastError = message;
    }

    /// <summary>The frames still to come of each running utterance, and of each waiting one.</summary>
    public (double[] Running, double[] Waiting) RemainingFrames()
    {
        List<double> running = [], waiting = [];
        foreach (var job in _jobs.Values)
        {
            (job.Started ? running : waiting).Add(job.RemainingFrames);
        }

        return ([.. running], [.. waiting]);
    }
}
