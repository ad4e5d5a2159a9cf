using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Auth;

/// <summary>
/// Reloads every API key into <see cref="TenantDirectory"/> every <see cref="KeyCacheOptions.KeyRefreshInterval"/> and
/// writes the snapshot file. At start, when PostgreSQL does not answer, it loads the snapshot this frontend wrote last
/// (or says clearly that there is none), so a frontend restarted during an outage still serves the keys it knew.
/// </summary>
public sealed partial class KeyCacheRefresher(
    TenantStore store, NpgsqlDataSource dataSource, TenantDirectory directory, TimeProvider clock, IOptions<KeyCacheOptions> options,
    ILogger<KeyCacheRefresher> logger) : BackgroundService
{
    private readonly KeySnapshotFile? _file = options.Value.KeySnapshotDirectory is { Length: > 0 } folder ? new KeySnapshotFile(folder) : null;
    private bool _failing;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!await TryRefreshAsync(cancellationToken))
        {
            await LoadSnapshotAsync(cancellationToken);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.KeyRefreshInterval, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await TryRefreshAsync(stoppingToken);
        }
    }

    private async Task<bool> TryRefreshAsync(CancellationToken cancellationToken)
    {
        KeySnapshot snapshot;
        try
        {
            snapshot = new KeySnapshot(clock.GetUtcNow(), Source, await store.ListKnownKeysAsync(cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Whatever the database does, a failed refresh must not stop the frontend: it keeps the keys it has.
            if (!_failing)
            {
                _failing = true;
                LogRefreshFailed(ex.Message, directory.Count, directory.TakenAt?.ToString("u") ?? "never", options.Value.MaxKeyStaleness);
            }

            return false;
        }

        directory.Replace(snapshot);
        if (_failing)
        {
            _failing = false;
            LogRefreshRecovered(snapshot.Keys.Count);
        }

        await WriteSnapshotAsync(snapshot, cancellationToken);
        return true;
    }

    private async Task WriteSnapshotAsync(KeySnapshot snapshot, CancellationToken cancellationToken)
    {
        if (_file is null)
        {
            return;
        }

        try
        {
            await _file.WriteAsync(snapshot, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogSnapshotNotWritten(_file.Path, ex.Message);
        }
    }

    private async Task LoadSnapshotAsync(CancellationToken cancellationToken)
    {
        if (_file is null)
        {
            LogNoSnapshotFolder();
            return;
        }

        KeySnapshot? snapshot;
        try
        {
            snapshot = await _file.ReadAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or IOException or UnauthorizedAccessException)
        {
            LogSnapshotUnreadable(_file.Path, ex.Message);
            return;
        }

        if (snapshot is null)
        {
            LogNoSnapshot(_file.Path);
        }
        else if (snapshot.Source != Source)
        {
            LogSnapshotOfOtherDatabase(_file.Path, snapshot.Source, Source);
        }
        else
        {
            directory.Replace(snapshot);
            LogSnapshotLoaded(snapshot.Keys.Count, _file.Path, snapshot.TakenAt.ToString("u"), options.Value.MaxKeyStaleness);
        }
    }

    private string Source
    {
        get
        {
            var connection = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
            return $"{connection.Host}:{connection.Port}/{connection.Database}";
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot refresh API keys from PostgreSQL ({Reason}); serving the {Count} keys known since {TakenAt} for at most {MaxStaleness} after that")]
    private partial void LogRefreshFailed(string reason, int count, string takenAt, TimeSpan maxStaleness);

    [LoggerMessage(Level = LogLevel.Information, Message = "API keys refreshed from PostgreSQL again: {Count} keys")]
    private partial void LogRefreshRecovered(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loaded {Count} API key hashes from the snapshot {Path} taken at {TakenAt}; they are served until PostgreSQL answers, for at most {MaxStaleness} after that")]
    private partial void LogSnapshotLoaded(int count, string path, string takenAt, TimeSpan maxStaleness);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No API key snapshot at {Path}: until PostgreSQL answers, every authenticated request is refused with 503")]
    private partial void LogNoSnapshot(string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:KeySnapshotDirectory is not set, so there is no API key snapshot: until PostgreSQL answers, every authenticated request is refused with 503")]
    private partial void LogNoSnapshotFolder();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The API key snapshot {Path} cannot be read ({Reason}); until PostgreSQL answers, every authenticated request is refused with 503")]
    private partial void LogSnapshotUnreadable(string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The API key snapshot {Path} is of {SnapshotSource}, not of {Source}; it is not used")]
    private partial void LogSnapshotOfOtherDatabase(string path, string snapshotSource, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot write the API key snapshot {Path}: {Reason}")]
    private partial void LogSnapshotNotWritten(string path, string reason);
}
