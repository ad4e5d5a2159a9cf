namespace QwenTts.Frontend.Hosting;

/// <summary>
/// Keeps trying to reach the cluster at start-up (silos may still be starting) with a capped back-off,
/// logging each failure, instead of giving up after the first attempt.
/// </summary>
public sealed partial class ForeverConnectionRetryFilter(ILogger<ForeverConnectionRetryFilter> logger) : IClientConnectionRetryFilter
{
    private int _attempt;

    public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempt);
        LogRetry(attempt, exception.Message);
        var delay = TimeSpan.FromMilliseconds(Math.Min(5000, 250 * attempt));
        await Task.Delay(delay, cancellationToken);
        return !cancellationToken.IsCancellationRequested;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster not reachable yet (attempt {Attempt}): {Reason}")]
    private partial void LogRetry(int attempt, string reason);
}
