using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Delivers a finished job's callback with doubling waits between attempts. The job's grain keeps the delivery pending,
/// counts the attempts and leases the delivery to one frontend at a time: the frontend that finished the job starts,
/// and if it dies mid-way, whichever frontend polls after the lease runs out goes on from the next attempt.
/// </summary>
public sealed partial class CallbackDelivery(
    CallbackSender sender, JobMetrics metrics, IOptions<CallbackOptions> options, TimeProvider clock, ILogger<CallbackDelivery> logger)
{
    /// <summary>Long enough for one attempt (its timeout) and the longest wait after it, with a timeout's margin.</summary>
    public TimeSpan Lease => 2 * options.Value.Timeout + DelayAfter(Math.Max(1, options.Value.MaxAttempts - 1));

    /// <summary>Sends the callback while this runner holds its delivery; returns at once when another frontend does, or it is done.</summary>
    public async Task DeliverAsync(IAudioJobGrain grain, AudioJobView job, string runner, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var last = "no attempt answered";
        while (true)
        {
            var attempt = await grain.StartCallbackAttemptAsync(runner, Lease);
            if (attempt == 0)
            {
                return;
            }

            if (attempt > o.MaxAttempts)
            {
                // The frontend that counted the last attempt died before it could record the outcome.
                await FinishAsync(grain, job, runner, false, $"failed after {o.MaxAttempts} attempts: {last}");
                return;
            }

            var (delivered, status) = await sender.SendAsync(job, attempt, cancellationToken);
            if (delivered)
            {
                await FinishAsync(grain, job, runner, true, status);
                return;
            }

            last = status;
            LogAttemptFailed(job.Id, attempt, o.MaxAttempts, status);
            if (attempt >= o.MaxAttempts)
            {
                await FinishAsync(grain, job, runner, false, $"failed after {o.MaxAttempts} attempts: {last}");
                return;
            }

            await grain.RecordCallbackAsync($"retrying (attempt {attempt} of {o.MaxAttempts} failed: {status})");
            await Task.Delay(DelayAfter(attempt), clock, cancellationToken);
        }
    }

    private TimeSpan DelayAfter(int attempt) => options.Value.InitialDelay * Math.Pow(2, attempt - 1);

    private async Task FinishAsync(IAudioJobGrain grain, AudioJobView job, string runner, bool delivered, string status)
    {
        metrics.Delivered("callback", delivered);
        await grain.FinishCallbackAsync(runner, status);
        if (!delivered)
        {
            LogGaveUp(job.Id, status);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: callback attempt {Attempt}/{Max} failed: {Reason}")]
    private partial void LogAttemptFailed(string job, int attempt, int max, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job}: callback {Status}")]
    private partial void LogGaveUp(string job, string status);
}
