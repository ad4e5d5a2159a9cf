using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Jobs;
using Npgsql;
using QwenTts.Storage.Audio;
using QwenTts.Storage.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Each frontend's job loop. Every poll (or at once when this frontend accepted a job) it takes, oldest first, as many
/// waiting jobs from the queue in PostgreSQL (<see cref="JobSchedule"/>) as it has room to run (Jobs:MaxRunningJobs),
/// then looks at the jobs that are due: a running job whose runner stopped renewing its lease (a frontend that died)
/// is resumed; a broadcast or callback whose sender died is sent; a finished job whose retention has passed has its
/// audio deleted and stays visible as expired (a failed one as failed) for Jobs:KeepEndedFor, then is forgotten, its
/// grain state removed. Each job it looks at gets its next due time, so a poll reads only what is due, whatever the
/// number of jobs queued. Any frontend may do any of it; leases keep one runner per job.
/// </summary>
public sealed partial class JobWorker(
    IClusterClient cluster, JobRunner runner, JobDeliveries deliveries, JobSchedule schedule, LegacyJobIndexImport legacy, IAudioStore store, IOptions<JobOptions> options,
    TimeProvider clock, JobMetrics metrics, ILogger<JobWorker> logger)
    : BackgroundService
{
    /// <summary>Due jobs one poll looks at, at most; the rest are due at the next poll.</summary>
    private const int DueBatch = 64;

    private readonly ConcurrentDictionary<string, Task> _running = new();
    private readonly ConcurrentDictionary<string, Task> _delivering = new();
    private readonly SemaphoreSlim _wake = new(0, 1);

    /// <summary>This frontend's identity as a lease holder: a new one every start, so a restarted frontend is a new runner.</summary>
    public string RunnerId { get; } = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";

    public int Running => _running.Count;

    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(RunnerId, store.Description);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The cluster or PostgreSQL is away: jobs wait, visible in the log, and the next poll tries again.
                LogPollFailed(ex.GetType().Name, ex.Message);
            }

            try
            {
                await _wake.WaitAsync(options.Value.PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        await Task.WhenAll([.. _running.Values, .. _delivering.Values]).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        await legacy.TryAsync(stoppingToken);
        var now = clock.GetUtcNow();
        var waiting = await schedule.ClaimWaitingAsync(o.MaxRunningJobs - _running.Count, now, now + o.LeaseDuration, stoppingToken);
        var due = await schedule.ClaimDueAsync(DueBatch, now, now + o.LeaseDuration, stoppingToken);
        foreach (var id in waiting.Concat(due))
        {
            try
            {
                await LookAtAsync(id, now, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // That job's grain or row could not be reached: it is due again when its claim runs out; the others go on.
                LogLookFailed(id, ex.GetType().Name, ex.Message);
            }
        }

        metrics.Polled(await schedule.BacklogAsync(stoppingToken));
    }

    /// <summary>Does what the job needs now, and sets when it needs looking at next (its row is already due a lease ahead).</summary>
    private async Task LookAtAsync(string id, DateTimeOffset now, CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (_running.ContainsKey(id) || _delivering.ContainsKey(id))
        {
            return; // ours, and under way: its claim was pushed a lease ahead
        }

        var grain = cluster.GetGrain<IAudioJobGrain>(id);
        var job = await grain.GetAsync();
        if (job is null)
        {
            await schedule.RemoveAsync(id, stoppingToken);
        }
        else if (!job.IsFinished)
        {
            if (_running.Count >= o.MaxRunningJobs)
            {
                // No room here. A queued job goes back in the queue, for a frontend that has some; a running one is most
                // likely its runner's, looked at again a lease later (by whoever polls first then: a dead runner's job
                // waits at most a few leases for a frontend with room).
                await (job.Status == AudioJobStatus.Queued
                    ? schedule.RescheduleAsync(id, now, "queued", waiting: true, stoppingToken)
                    : schedule.RescheduleAsync(id, now + o.LeaseDuration, "running", cancellationToken: stoppingToken));
            }
            else if (await grain.TryLeaseAsync(RunnerId, o.LeaseDuration))
            {
                await schedule.RescheduleAsync(id, now + o.LeaseDuration, "running", cancellationToken: stoppingToken);
                Start(id, stoppingToken);
            }
            else
            {
                await schedule.RescheduleAsync(id, now + o.LeaseDuration, "running", cancellationToken: stoppingToken); // its runner is alive
            }
        }
        else if (job.CallbackPending || job.RobotsPending)
        {
            // Its broadcast or callback is still to be sent: here, if the delivery's lease is free (the sender died); expiry waits for it.
            StartDelivery(id, job, stoppingToken);
        }
        else if (job.Status == AudioJobStatus.Completed && job.ExpiresAt is { } expires)
        {
            if (expires > now)
            {
                // Looked at once after it completed: its runner may have lost the grain's answer and with it the usage record.
                await runner.RecordUsageAgainAsync(grain, job);
                await schedule.RescheduleAsync(id, expires, "completed", cancellationToken: stoppingToken);
                return;
            }

            try
            {
                await store.DeletePrefixAsync(JobAudioKeys.Prefix(id), stoppingToken);
            }
            catch (AudioStoreUnavailableException ex)
            {
                // The job stays completed (and readable, if the store comes back) until its audio is surely deleted.
                LogExpiryFailed(id, ex.Message);
                return;
            }

            await grain.ExpireAsync();
            await schedule.RescheduleAsync(id, expires + o.KeepEndedFor, "expired", cancellationToken: stoppingToken);
            LogExpired(id, expires);
        }
        else if ((job.Status == AudioJobStatus.Failed ? job.CompletedAt + o.Retention : job.ExpiresAt) + o.KeepEndedFor is { } forget && forget > now)
        {
            await schedule.RescheduleAsync(id, forget, job.Status.ToString().ToLowerInvariant(), cancellationToken: stoppingToken);
        }
        else
        {
            // Ended long enough ago: its grain state goes too, so the cluster's storage does not grow with every job ever made.
            await grain.DeleteAsync();
            await schedule.RemoveAsync(id, stoppingToken);
            LogForgotten(id, job.Status.ToString().ToLowerInvariant());
        }
    }

    private void Start(string id, CancellationToken stoppingToken)
    {
        // Recorded before it runs: a run that ended before it was recorded would hold its slot for ever.
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _running[id] = Task.Run(async () =>
        {
            await recorded.Task;
            var failed = false;
            try
            {
                await runner.RunAsync(id, RunnerId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failed = true;
                LogRunFailed(id, ex.GetType().Name, ex.Message);
            }
            finally
            {
                _running.TryRemove(id, out _);
                if (!failed)
                {
                    // Finished or stopped: the next poll sets what it needs next (deliveries, expiry, a resume). A run that
                    // failed is not tried again at once: its row stays due a lease later, so a persistent fault does not spin.
                    await DueNowAsync(id);
                }

                Wake();
            }
        }, CancellationToken.None);
        recorded.SetResult();
    }

    private void StartDelivery(string id, AudioJobView job, CancellationToken stoppingToken)
    {
        var recorded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _delivering[id] = Task.Run(async () =>
        {
            await recorded.Task;
            try
            {
                await deliveries.DeliverAsync(cluster.GetGrain<IAudioJobGrain>(id), job, RunnerId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogDeliveryFailed(id, ex.GetType().Name, ex.Message);
            }
            finally
            {
                _delivering.TryRemove(id, out _);
            }
        }, CancellationToken.None);
        recorded.SetResult();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: delivery (robots or callback) stopped by {Error}: {Reason}; it goes on once its lease runs out")]
    private partial void LogDeliveryFailed(string job, string error, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job worker {Runner} started; audio store {Store}")]
    private partial void LogStarted(string runner, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job worker: poll failed ({Error}: {Reason}); trying again at the next poll")]
    private partial void LogPollFailed(string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: run stopped by {Error}: {Reason}; it is looked at again within a lease (Jobs:LeaseDuration)")]
    private partial void LogRunFailed(string job, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: its audio is past retention but could not be deleted ({Reason}); trying again at the next poll")]
    private partial void LogExpiryFailed(string job, string reason);

    /// <summary>Makes the job due at once; a PostgreSQL that is away leaves it due when its claim runs out (a lease later).</summary>
    private async Task DueNowAsync(string id)
    {
        try
        {
            await schedule.RescheduleAsync(id, clock.GetUtcNow(), "running");
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogRescheduleFailed(id, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: could not be looked at ({Error}: {Reason}); it is due again when its claim runs out")]
    private partial void LogLookFailed(string job, string error, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: could not mark it due in the job queue ({Reason}); it is looked at when its claim runs out")]
    private partial void LogRescheduleFailed(string job, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: {Status} long enough ago, forgotten (its grain state removed)")]
    private partial void LogForgotten(string job, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: audio expired (kept until {Expires:u}) and deleted")]
    private partial void LogExpired(string job, DateTimeOffset expires);
}
