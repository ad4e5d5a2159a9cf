using System.Threading.Channels;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Usage;

/// <summary>
/// Writes usage records to PostgreSQL in the background, in batches. While the database is unreachable records wait
/// in memory (up to 100 000) and are retried; writes are idempotent by request id, so a retry never double counts.
/// </summary>
public sealed partial class UsageRecorder(UsageStore store, ILogger<UsageRecorder> logger) : BackgroundService
{
    private const int Capacity = 100_000;
    private readonly Channel<UsageRecord> _queue = Channel.CreateBounded<UsageRecord>(new BoundedChannelOptions(Capacity)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private int _pending;

    public int Pending => Volatile.Read(ref _pending);

    public void Record(UsageRecord record)
    {
        if (_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _pending);
        }
        else
        {
            LogDropped(record.RequestId, record.TenantId);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<UsageRecord>();
        var failures = 0;
        while (await WaitForWorkAsync(batch, stoppingToken))
        {
            while (batch.Count < 500 && _queue.Reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            try
            {
                await store.RecordAsync(batch, CancellationToken.None);
                Interlocked.Add(ref _pending, -batch.Count);
                batch.Clear();
                failures = 0;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
            {
                if (failures++ % 10 == 0)
                {
                    LogWriteFailed(batch.Count, ex.Message);
                }

                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, 1 << Math.Min(failures, 3))), CancellationToken.None);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    /// <summary>True while there is something to write: a failed batch to retry, or a new record.</summary>
    private async Task<bool> WaitForWorkAsync(List<UsageRecord> batch, CancellationToken stoppingToken)
    {
        if (batch.Count > 0)
        {
            return true;
        }

        try
        {
            return await _queue.Reader.WaitToReadAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: write what is already queued, then stop.
            return _queue.Reader.TryPeek(out _);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing {Count} usage record(s) failed; will retry: {Reason}")]
    private partial void LogWriteFailed(int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Usage queue full: record of request {RequestId} (tenant {Tenant}) dropped")]
    private partial void LogDropped(string requestId, string tenant);
}
