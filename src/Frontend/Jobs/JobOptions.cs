namespace QwenTts.Frontend.Jobs;

/// <summary>Asynchronous jobs; bound from <c>Jobs</c>.</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>Longest input of one job, in characters.</summary>
    public int MaxInputCharacters { get; set; } = 100_000;

    /// <summary>Largest job request body, in bytes (the speech endpoint keeps its own, smaller limit).</summary>
    public long MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long finished audio is kept before it expires (DashScope keeps its audio URLs 24 hours).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a job stays visible as expired (or failed) once its retention has passed, before it is forgotten.</summary>
    public TimeSpan KeepEndedFor { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long a frontend's claim on a running job lasts without renewal; a dead frontend's jobs move on after it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often each frontend looks for jobs to run, resume or expire.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Jobs one frontend runs at a time (each spreads its segments over several cards).</summary>
    public int MaxRunningJobs { get; set; } = 2;

    /// <summary>Tries of a job's remaining segments before the job fails (a card or silo lost, the cluster full).</summary>
    public int MaxAttempts { get; set; } = 6;

    /// <summary>First wait before a retry; doubled each time.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public bool IsValid => MaxInputCharacters > 0 && MaxBodyBytes > 0 && Retention > TimeSpan.Zero && KeepEndedFor >= TimeSpan.Zero && LeaseDuration >= TimeSpan.FromSeconds(1)
        && PollInterval > TimeSpan.Zero && MaxRunningJobs > 0 && MaxAttempts > 0 && RetryDelay >= TimeSpan.Zero;
}
