namespace QwenTts.Frontend.Hosting;

/// <summary>
/// Calls to small per-tenant grains (quota, voices) that may sit on a silo that just died: until membership declares it
/// dead the call times out, is rejected or finds its gateway gone, after that the grain activates elsewhere. Such calls are retried within a
/// budget long enough for a death declaration with the production membership settings, so a dying silo costs the
/// request some latency, not an error. Any other failure (storage down, a bug) is not retried.
/// </summary>
public static class TransientClusterCalls
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(250);

    /// <summary>An attempt of an idempotent read: a grain answers from memory well within it.</summary>
    public static readonly TimeSpan ReadAttemptTimeout = TimeSpan.FromSeconds(2);

    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken = default)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsTransient(ex) && watch.Elapsed < Budget && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Pause, cancellationToken);
            }
        }
    }

    /// <summary>
    /// For idempotent reads only: each attempt also gives up after <paramref name="attemptTimeout"/>. A call already
    /// sent to an activation on a silo that was just killed is never answered and would wait the whole response timeout
    /// (30 s), although a fresh call reaches the grain re-activated elsewhere as soon as the silo is declared dead.
    /// </summary>
    public static Task<T> RetryReadAsync<T>(Func<Task<T>> call, TimeSpan attemptTimeout, CancellationToken cancellationToken = default) =>
        RetryAsync(() => call().WaitAsync(attemptTimeout, cancellationToken), cancellationToken);

    /// <remarks>
    /// ConnectionFailedException is what this client gets while the gateway it holds for the grain's bucket is the killed
    /// silo: the gateway is marked dead on that failure and the next attempt goes through a live one.
    /// </remarks>
    public static bool IsTransient(Exception ex) =>
        ex is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or Orleans.Runtime.Messaging.ConnectionFailedException;
}
