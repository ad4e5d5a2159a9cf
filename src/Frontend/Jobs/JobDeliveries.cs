using QwenTts.Frontend.Robots;
using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// What a finished job still owes the outside world, in order: its robot broadcast, then its callback. Each is leased
/// on the job's grain and delivered at least once: the frontend that finished the job starts, and if it dies mid-way,
/// whichever frontend polls after the lease runs out goes on from what is not yet recorded as reached.
/// </summary>
public sealed class JobDeliveries(RobotBroadcaster robots, CallbackDelivery callbacks, JobAudioFiles files)
{
    public async Task DeliverAsync(IAudioJobGrain grain, AudioJobView job, string runner, CancellationToken cancellationToken)
    {
        if (job.RobotsPending && await grain.StartRobotsAsync(runner, robots.Lease) is { Length: > 0 } tools
            && await grain.GetSpecAsync() is { } spec)
        {
            await robots.BroadcastAsync(spec.Tenant, tools, files.ForRobots(job, spec),
                (tool, outcome) => grain.RobotDeliveredAsync(runner, tool, outcome, robots.Lease), cancellationToken);
        }

        // Deleted, or another frontend holds the broadcast: the rest is its to do.
        if (await grain.GetAsync() is not { RobotsPending: false } now)
        {
            return;
        }

        if (now.Status == AudioJobStatus.Completed)
        {
            // The segments served the file and the robots' re-encoding; the file is what stays.
            await files.TryDeleteAsync(now.Id, JobAudioKeys.SegmentsPrefix(now.Id));
        }

        if (now.CallbackPending)
        {
            await callbacks.DeliverAsync(grain, now, runner, cancellationToken);
        }
    }
}
