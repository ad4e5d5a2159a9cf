namespace QwenTts.Grains.Interfaces.Jobs;

/// <summary>
/// One asynchronous audio job, keyed by its id, its state persisted in PostgreSQL. Frontends run the work: one at a
/// time holds the job's lease (renewed as segments finish), so a frontend that dies leaves the job to another after
/// the lease runs out, and the new runner starts from the segments already recorded as finished.
/// </summary>
public interface IAudioJobGrain : IGrainWithStringKey
{
    /// <summary>Creates the job; false when the id is taken.</summary>
    Task<bool> CreateAsync(AudioJobSpec spec);

    /// <summary>Null when there is no such job (never created, or deleted).</summary>
    Task<AudioJobView?> GetAsync();

    Task<AudioJobSpec?> GetSpecAsync();

    /// <summary>Indices of the finished segments.</summary>
    Task<int[]> GetFinishedSegmentsAsync();

    /// <summary>The finished segments in text order, with their sample counts (a finished job's timestamps come from them).</summary>
    Task<AudioJobSegment[]> GetSegmentsAsync();

    /// <summary>Takes or renews the lease for <paramref name="runner"/>; false when another runner holds it or the job is finished.</summary>
    Task<bool> TryLeaseAsync(string runner, TimeSpan lease);

    /// <summary>Records a finished segment (its audio is already stored) and renews the lease; false when the lease is lost.</summary>
    Task<bool> SegmentFinishedAsync(string runner, AudioJobSegment segment, TimeSpan lease);

    /// <summary>Records the finished file (no broadcast); false when the lease is lost. Kept for frontends of the previous version.</summary>
    Task<bool> CompleteAsync(string runner, AudioJobContent content);

    /// <summary>
    /// Records the finished file; <paramref name="robots"/> are the chat tools its broadcast must still reach, delivered
    /// at least once like the callback (see <see cref="StartRobotsAsync"/>). False when the lease is lost.
    /// </summary>
    Task<bool> CompleteWithBroadcastAsync(string runner, AudioJobContent content, string[] robots);

    Task<bool> FailAsync(string runner, string error);

    /// <summary>Records how the completion callback is going (the last failed attempt).</summary>
    Task RecordCallbackAsync(string status);

    /// <summary>
    /// Takes or renews the lease on delivering the finished job's callback and counts one more attempt: its number,
    /// or 0 when there is nothing to deliver (no callback, delivered, given up) or another runner holds the delivery.
    /// The runner that finished the job holds it first; a runner that dies leaves it to the next after the lease.
    /// </summary>
    Task<int> StartCallbackAttemptAsync(string runner, TimeSpan lease);

    /// <summary>Ends the callback's delivery (delivered, or given up) with its final status.</summary>
    Task FinishCallbackAsync(string runner, string status);

    /// <summary>
    /// Takes or renews the lease on delivering the broadcast: the tools still to reach, or none when nothing is pending or
    /// another runner holds the delivery. The runner that finished the job holds it first; one that dies leaves it to the
    /// next after the lease (a tool it reached but did not record is reached again: at least once, never lost).
    /// </summary>
    Task<string[]> StartRobotsAsync(string runner, TimeSpan lease);

    /// <summary>Records how a broadcast sent by a frontend of the previous version went (per tool).</summary>
    Task RecordRobotsAsync(string status);

    /// <summary>Records one tool's outcome ("voice", "failed: ..."); with the last, the job's robots_status is set.</summary>
    Task RobotDeliveredAsync(string runner, string tool, string outcome, TimeSpan lease);

    /// <summary>Marks the job expired (its audio is gone); it stays visible with that status.</summary>
    Task ExpireAsync();

    /// <summary>Forgets the job entirely.</summary>
    Task DeleteAsync();
}
