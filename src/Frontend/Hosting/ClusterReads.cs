using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using QwenTts.Frontend.Metrics;

namespace QwenTts.Frontend.Hosting;

/// <summary>
/// Idempotent reads of small grains (a tenant's voices) with a read-through copy of the last answer. Each read asks the
/// grain first, with a short attempt timeout (500 ms); when the grain does not answer (its silo just died, and until membership
/// declares it dead nothing else may activate it) the last answer this frontend got is used instead, and for a few
/// seconds that key is answered from the copy without asking. With no copy the read waits for the grain, retried as
/// before until it answers elsewhere. Counted in <c>qwentts_cluster_stale_reads_total</c>. A copy is used only while its grain does
/// not answer and for at most 10 minutes after it was read: a voice changed just before its grain's silo died may be
/// spoken as it was until the death is declared.
/// </summary>
public sealed partial class ClusterReads(TimeProvider clock, IMeterFactory meters, ILogger<ClusterReads> logger)
{
    private const int MaxEntries = 50_000;

    /// <summary>How long a read with a copy to fall back on waits for its grain (which answers from memory in milliseconds).</summary>
    private static readonly TimeSpan CopyAttemptTimeout = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan TrustCopyFor = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan KeepCopyFor = TimeSpan.FromMinutes(10);
    private readonly ConcurrentDictionary<string, Copy> _copies = new(StringComparer.Ordinal);
    private readonly Counter<long> _staleReads = meters.Create(FrontendMetrics.MeterName).CreateCounter<long>("qwentts.cluster.stale_reads",
        description: "Reads answered from this frontend's last copy because the grain did not answer (its silo is being declared dead)");

    private sealed record Copy(object? Value, DateTimeOffset ReadAt, DateTimeOffset UnreachableUntil);

    /// <param name="keep">Which answers are worth a copy (not, say, "no such voice" for any name a caller makes up).</param>
    public async Task<T> ReadAsync<T>(string key, Func<Task<T>> read, Func<T, bool> keep, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        var known = _copies.TryGetValue(key, out var copy) && now - copy.ReadAt < KeepCopyFor ? copy : null;
        if (known is not null && known.UnreachableUntil > now)
        {
            _staleReads.Add(1);
            return (T)known.Value!;
        }

        var reading = read();
        _ = reading.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && keep(t.Result))
            {
                Remember(key, t.Result, clock.GetUtcNow());
            }
            else
            {
                _ = t.Exception; // observed: a read left behind for the copy fails on its own time
            }
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        if (known is null)
        {
            // No copy to fall back on: as any read of a small grain (a failure of its storage is the caller's answer at once).
            try
            {
                return await reading.WaitAsync(cancellationToken);
            }
            catch (Exception ex) when (TransientClusterCalls.IsTransient(ex))
            {
                return await TransientClusterCalls.RetryAsync(read, cancellationToken);
            }
        }

        try
        {
            return await reading.WaitAsync(CopyAttemptTimeout, cancellationToken);
        }
        catch (Exception ex) when (TransientClusterCalls.IsTransient(ex))
        {
            // The read goes on: if it answers after all, its answer replaces the copy.
            LogAnsweredFromCopy(key, (now - known.ReadAt).TotalSeconds, ex.Message);
            _copies.TryUpdate(key, known with { UnreachableUntil = now + TrustCopyFor }, known); // unless the read answered meanwhile
            _staleReads.Add(1);
            return (T)known.Value!;
        }
    }

    private void Remember(string key, object? value, DateTimeOffset readAt)
    {
        var copy = new Copy(value, readAt, DateTimeOffset.MinValue);
        if (_copies.Count >= MaxEntries)
        {
            var cutoff = clock.GetUtcNow() - KeepCopyFor;
            foreach (var old in _copies.Where(c => c.Value.ReadAt < cutoff).Select(c => c.Key).ToList())
            {
                _copies.TryRemove(old, out _);
            }
        }

        if (_copies.Count < MaxEntries || _copies.ContainsKey(key))
        {
            _copies[key] = copy;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: the grain did not answer; using this frontend's copy from {AgeSeconds:F0} s ago: {Reason}")]
    private partial void LogAnsweredFromCopy(string key, double ageSeconds, string reason);
}
