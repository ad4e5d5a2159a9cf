using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Storage.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Moves the jobs an earlier version kept in its job-index grain into the job queue (due at once: the worker sees what
/// each needs), then empties the grain; done once per frontend start, retried at the next poll until it succeeds. While
/// the silos come up the grain cannot answer yet: that is expected, so it is said quietly at first.
/// </summary>
public sealed partial class LegacyJobIndexImport(IClusterClient cluster, JobSchedule schedule, TimeProvider clock, ILogger<LegacyJobIndexImport> logger)
{
    private static readonly TimeSpan QuietFor = TimeSpan.FromMinutes(2);
    private readonly DateTimeOffset _startedAt = clock.GetUtcNow();
    private bool _done;

    public async Task TryAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }

        try
        {
            var index = cluster.GetGrain<IAudioJobIndexGrain>(0);
            var ids = await index.ListAsync();
            if (ids.Length > 0)
            {
                await schedule.AddDueAsync(ids, clock.GetUtcNow(), cancellationToken);
                await index.RemoveAsync(ids);
                LogImported(ids.Length);
            }

            _done = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (clock.GetUtcNow() - _startedAt < QuietFor)
            {
                LogNotYet(ex.GetType().Name);
            }
            else
            {
                LogFailed(ex.GetType().Name, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {Count} job(s) from the old job-index grain into the job queue")]
    private partial void LogImported(int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The old job-index grain cannot be read yet ({Error}): the cluster is still coming up; trying again at the next poll")]
    private partial void LogNotYet(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The old job-index grain cannot be read ({Error}: {Reason}); jobs made before the upgrade wait until it can")]
    private partial void LogFailed(string error, string reason);
}
