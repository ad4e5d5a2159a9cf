using Microsoft.Extensions.Logging;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Grains.Interfaces.Tenants;

namespace QwenTts.Grains.Jobs;

/// <summary>
/// One asynchronous job's state: its spec, the segments already made, the lease of the frontend running it, and
/// the finished audio's size and expiry. Every change is written to PostgreSQL before it is acknowledged, so a
/// job resumes after any process dies from exactly the segments recorded here.
/// </summary>
public sealed partial class AudioJobGrain(
    [PersistentState("job", StorageNames.Voices)] IPersistentState<AudioJobState> state,
    TimeProvider clock,
    ILogger<AudioJobGrain> logger) : Grain, IAudioJobGrain
{
    private AudioJobState Job => state.State;

    public async Task<bool> CreateAsync(AudioJobSpec spec)
    {
        if (Job.Spec is not null)
        {
            return false;
        }

        Job.Spec = spec;
        Job.Status = AudioJobStatus.Queued;
        Job.CreatedAt = clock.GetUtcNow();
        await state.WriteStateAsync();
        return true;
    }

    public Task<AudioJobView?> GetAsync() => Task.FromResult(Job.Spec is null ? null : View(Job.Spec));

    public Task<AudioJobSpec?> GetSpecAsync() => Task.FromResult(Job.Spec);

    public Task<int[]> GetFinishedSegmentsAsync() => Task.FromResult(Job.Finished.Keys.Order().ToArray());

    public Task<AudioJobSegment[]> GetSegmentsAsync() => Task.FromResult(Job.Finished.Values.OrderBy(s => s.Index).ToArray());

    public async Task<bool> TryLeaseAsync(string runner, TimeSpan lease)
    {
        if (Job.Spec is null || Job.Status is not (AudioJobStatus.Queued or AudioJobStatus.Running))
        {
            return false;
        }

        var now = clock.GetUtcNow();
        if (LeasedToAnother(runner, now))
        {
            return false;
        }

        if (Job.LeaseHolder != runner)
        {
            LogLeased(this.GetPrimaryKeyString(), runner, Job.LeaseHolder ?? "nobody", Job.Finished.Count, Job.Spec.Segments.Length);
        }

        Job.LeaseHolder = runner;
        Job.LeaseUntil = now + lease;
        Job.Status = AudioJobStatus.Running;
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> SegmentFinishedAsync(string runner, AudioJobSegment segment, TimeSpan lease)
    {
        if (!Holds(runner))
        {
            return false;
        }

        Job.Finished[segment.Index] = segment;
        Job.LeaseUntil = clock.GetUtcNow() + lease;
        await state.WriteStateAsync();
        return true;
    }

    public Task<bool> CompleteAsync(string runner, AudioJobContent content) => CompleteWithBroadcastAsync(runner, content, []);

    public async Task<bool> CompleteWithBroadcastAsync(string runner, AudioJobContent content, string[] robots)
    {
        if (!Holds(runner))
        {
            return false;
        }

        Job.Status = AudioJobStatus.Completed;
        Job.Content = content;
        Job.CompletedAt = clock.GetUtcNow();
        Job.RobotsPending = [.. robots];
        KeepLeaseForCallback(runner);
        await state.WriteStateAsync();
        return true;
    }

    public async Task<bool> FailAsync(string runner, string error)
    {
        if (!Holds(runner))
        {
            return false;
        }

        Job.Status = AudioJobStatus.Failed;
        Job.Error = error;
        Job.CompletedAt = clock.GetUtcNow();
        KeepLeaseForCallback(runner);
        await ReturnCharactersAsync();
        await state.WriteStateAsync();
        return true;
    }

    public async Task RecordCallbackAsync(string status)
    {
        Job.CallbackStatus = status;
        await state.WriteStateAsync();
    }

    public async Task<int> StartCallbackAttemptAsync(string runner, TimeSpan lease)
    {
        // The broadcast goes first: the callback tells the caller everything the job did, its robots_status included.
        if (!Job.CallbackPending || Job.RobotsPending.Count > 0 || Job.Status is not (AudioJobStatus.Completed or AudioJobStatus.Failed))
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        if (LeasedToAnother(runner, now))
        {
            return 0;
        }

        if (Job.LeaseHolder != runner && Job.CallbackAttempts > 0)
        {
            LogCallbackTakenOver(this.GetPrimaryKeyString(), runner, Job.LeaseHolder ?? "nobody", Job.CallbackAttempts);
        }

        Job.LeaseHolder = runner;
        Job.LeaseUntil = now + lease;
        Job.CallbackAttempts++;
        await state.WriteStateAsync();
        return Job.CallbackAttempts;
    }

    public async Task FinishCallbackAsync(string runner, string status)
    {
        if (!Job.CallbackPending)
        {
            return;
        }

        Job.CallbackPending = false;
        Job.CallbackStatus = status;
        Job.LeaseHolder = null;
        await state.WriteStateAsync();
    }

    public async Task RecordRobotsAsync(string status)
    {
        Job.RobotsStatus = status;
        await state.WriteStateAsync();
    }

    public async Task<string[]> StartRobotsAsync(string runner, TimeSpan lease)
    {
        var now = clock.GetUtcNow();
        if (Job.RobotsPending.Count == 0 || Job.Status != AudioJobStatus.Completed || LeasedToAnother(runner, now))
        {
            return [];
        }

        if (Job.LeaseHolder != runner)
        {
            LogRobotsTakenOver(this.GetPrimaryKeyString(), runner, Job.LeaseHolder ?? "nobody", Job.RobotsPending.Count);
            if (++Job.RobotTakeovers > MaxRobotTakeovers)
            {
                // Every sender so far stopped mid-way: end the broadcast rather than hand it on for ever.
                Job.RobotOutcomes.AddRange(Job.RobotsPending.Select(t => $"{t}: failed: {MaxRobotTakeovers + 1} senders stopped before finishing it"));
                EndRobots(runner, lease);
                await state.WriteStateAsync();
                return [];
            }
        }

        Job.LeaseHolder = runner;
        Job.LeaseUntil = now + lease;
        await state.WriteStateAsync();
        return [.. Job.RobotsPending];
    }

    public async Task RobotDeliveredAsync(string runner, string tool, string outcome, TimeSpan lease)
    {
        // Recorded from whoever reached the tool, even a runner whose lease ran out: the message went, and is not sent again.
        if (!Job.RobotsPending.Remove(tool))
        {
            if (Job.LeaseHolder == runner && Job.RobotsPending.Count > 0)
            {
                Job.LeaseUntil = clock.GetUtcNow() + lease; // a tool another sender had already recorded: the holder goes on
                await state.WriteStateAsync();
            }

            return;
        }

        Job.RobotOutcomes.Add($"{tool}: {outcome}");
        if (Job.RobotsPending.Count == 0)
        {
            EndRobots(runner, lease);
        }
        else if (Job.LeaseHolder == runner)
        {
            Job.LeaseUntil = clock.GetUtcNow() + lease;
        }

        await state.WriteStateAsync();
    }

    private const int MaxRobotTakeovers = 3;

    /// <summary>
    /// The broadcast is over: its status is set, and the lease goes to this runner for a callback still to send (for one
    /// lease from now, so a stale sender that recorded the last tool does not hold up the callback for long).
    /// </summary>
    private void EndRobots(string runner, TimeSpan lease)
    {
        Job.RobotsPending.Clear();
        Job.RobotsStatus = string.Join("; ", Job.RobotOutcomes);
        Job.LeaseHolder = Job.CallbackPending ? runner : null;
        Job.LeaseUntil = clock.GetUtcNow() + lease;
    }

    private bool LeasedToAnother(string runner, DateTimeOffset now) => Job.LeaseHolder is { } holder && holder != runner && Job.LeaseUntil > now;

    public async Task ExpireAsync()
    {
        if (Job.Spec is null || Job.Status == AudioJobStatus.Expired)
        {
            return;
        }

        Job.Status = AudioJobStatus.Expired;
        Job.Content = null;
        await state.WriteStateAsync();
    }

    public async Task DeleteAsync()
    {
        if (Job.Status is AudioJobStatus.Queued or AudioJobStatus.Running)
        {
            await ReturnCharactersAsync();
        }

        await state.ClearStateAsync();
        state.State = new AudioJobState();
    }

    /// <summary>
    /// A job that ends without audio costs nothing, as a speech request that fails before its first audio: its reserved
    /// characters go back to the tenant's quota, once. A quota grain that cannot be reached leaves them counted for the
    /// day (logged), never the job's failure.
    /// </summary>
    private async Task ReturnCharactersAsync()
    {
        var spec = Job.Spec;
        if (spec?.Reservation is not { } reservation || Job.CharactersReturned)
        {
            return;
        }

        try
        {
            await GrainFactory.GetGrain<ITenantQuotaGrain>(spec.Tenant).ReleaseCharactersAsync(reservation);
            Job.CharactersReturned = true;
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            LogReturnFailed(this.GetPrimaryKeyString(), reservation.Characters, spec.Tenant, ex.Message);
        }
    }

    /// <summary>A job that ends with a broadcast or a callback to send stays leased to the runner that ended it, which sends them first.</summary>
    private void KeepLeaseForCallback(string runner)
    {
        Job.CallbackPending = Job.Spec!.CallbackUrl is not null;
        Job.LeaseHolder = Job.CallbackPending || Job.RobotsPending.Count > 0 ? runner : null;
    }

    private bool Holds(string runner) => Job.Spec is not null && Job.Status == AudioJobStatus.Running && Job.LeaseHolder == runner;

    private AudioJobView View(AudioJobSpec spec)
    {
        var expires = Job.CompletedAt is { } done && Job.Status is AudioJobStatus.Completed or AudioJobStatus.Expired ? done + spec.Retention : (DateTimeOffset?)null;
        var devices = Job.Finished.Values.Select(s => s.Device).Distinct().Order(StringComparer.Ordinal).ToArray();
        return new AudioJobView(this.GetPrimaryKeyString(), spec.Tenant, Job.Status, spec.Segments.Length, Job.Finished.Count, Job.Error,
            Job.CreatedAt, Job.CompletedAt, expires, spec.Format, spec.Characters, Job.Content?.AudioSeconds ?? 0, Job.Content?.Bytes ?? 0,
            devices, spec.CallbackUrl, Job.CallbackStatus, Job.RobotsStatus, Job.CallbackPending, spec.VoiceSource, Job.RobotsPending.Count > 0);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: giving back {Characters} character(s) of tenant {Tenant} failed; they stay counted today: {Reason}")]
    private partial void LogReturnFailed(string job, int characters, string tenant, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: callback delivery taken over by {Runner} (was {Previous}) after {Attempts} attempts")]
    private partial void LogCallbackTakenOver(string job, string runner, string previous, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: robot broadcast taken over by {Runner} (was {Previous}) with {Pending} tool(s) to reach")]
    private partial void LogRobotsTakenOver(string job, string runner, string previous, int pending);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: leased to {Runner} (was {Previous}) with {Done}/{Total} segments made")]
    private partial void LogLeased(string job, string runner, string previous, int done, int total);
}
