using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Storage.Audio;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Each frontend's job loop: every poll (or at once when this frontend accepted a job) it walks the job index, takes
/// the lease of queued jobs and of jobs whose runner stopped renewing (a frontend that died), up to
/// Jobs:MaxRunningJobs at a time, goes on with broadcasts and callbacks whose frontend died while sending them, and expires finished
/// jobs whose retention has passed (their audio is deleted, the job stays visible as expired; a failed one stays visible
/// as failed) once no callback is pending. Any frontend may do any of it; leases keep one runner per job.
/// </summary>
public sealed partial class JobWorker(
    IClusterClient cluster, JobRunner runner, JobDeliveries deliveries, IAudioStore store, IOptions<JobOptions> options, TimeProvider clock,
    JobMetrics metrics, ILogger<JobWorker> logger)
    : BackgroundService
{
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
        var index = cluster.GetGrain<IAudioJobIndexGrain>(0);
        var (queued, running) = (0, _running.Count);
        DateTimeOffset? oldestQueued = null;
        foreach (var id in await index.ListAsync())
        {
            if (_running.ContainsKey(id) || _delivering.ContainsKey(id))
            {
                continue;
            }

            var grain = cluster.GetGrain<IAudioJobGrain>(id);
            var job = await grain.GetAsync();
            if (job is null)
            {
                await index.RemoveAsync(id);
            }
            else if (!job.IsFinished)
            {
                if (job.Status == AudioJobStatus.Queued)
                {
                    queued++;
                    oldestQueued = oldestQueued is { } oldest && oldest <= job.CreatedAt ? oldest : job.CreatedAt;
                }
                else
                {
                    running++;
                }

                if (_running.Count < o.MaxRunningJobs && await grain.TryLeaseAsync(RunnerId, o.LeaseDuration))
                {
                    Start(id, stoppingToken);
                }
            }
            else if (job.CallbackPending || job.RobotsPending)
            {
                // Its broadcast or callback is still to be sent: here, if the delivery's lease is free (the sender died); expiry waits for it.
                StartDelivery(id, job, stoppingToken);
            }
            else if (job.Status == AudioJobStatus.Failed && job.CompletedAt + o.Retention <= clock.GetUtcNow())
            {
                // A failed job has no audio; it stays readable as failed, only the index lets go of it.
                await index.RemoveAsync(id);
            }
            else if (job.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
            {
                try
                {
                    await store.DeletePrefixAsync(JobAudioKeys.Prefix(id), stoppingToken);
                }
                catch (AudioStoreUnavailableException ex)
                {
                    // The job stays completed (and readable, if the store comes back) until its audio is surely deleted.
                    LogExpiryFailed(id, ex.Message);
                    continue;
                }

                await grain.ExpireAsync();
                await index.RemoveAsync(id);
                LogExpired(id, expires);
            }
        }

        metrics.Polled(queued, running, oldestQueued);
    }

    private void Start(string id, CancellationToken stoppingToken)
    {
        _running[id] = Task.Run(async () =>
        {
            try
            {
                await runner.RunAsync(id, RunnerId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRunFailed(id, ex.GetType().Name, ex.Message);
            }
            finally
            {
                _running.TryRemove(id, out _);
                Wake();
            }
        }, CancellationToken.None);
    }

    private void StartDelivery(string id, AudioJobView job, CancellationToken stoppingToken)
    {
        _delivering[id] = Task.Run(async () =>
        {
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
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: delivery (robots or callback) stopped by {Error}: {Reason}; it goes on once its lease runs out")]
    private partial void LogDeliveryFailed(string job, string error, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job worker {Runner} started; audio store {Store}")]
    private partial void LogStarted(string runner, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job worker: poll failed ({Error}: {Reason}); trying again at the next poll")]
    private partial void LogPollFailed(string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: run stopped by {Error}: {Reason}; it resumes once its lease runs out")]
    private partial void LogRunFailed(string job, string error, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: its audio is past retention but could not be deleted ({Reason}); trying again at the next poll")]
    private partial void LogExpiryFailed(string job, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: audio expired (kept until {Expires:u}) and deleted")]
    private partial void LogExpired(string job, DateTimeOffset expires);
}
