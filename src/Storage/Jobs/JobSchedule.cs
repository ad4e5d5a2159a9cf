using Npgsql;

namespace QwenTts.Storage.Jobs;

/// <summary>
/// The job worker's queue in PostgreSQL (table audio_job_schedule). Frontends claim rows with FOR UPDATE SKIP LOCKED,
/// pushing each claimed row's due time a lease ahead, so two frontends never look at the same job in the same moment
/// and a frontend that dies with a claim leaves the job due again once that time passes. Times come from the caller's
/// clock, so a test's clock drives it.
/// </summary>
public sealed class JobSchedule(NpgsqlDataSource dataSource)
{
    /// <summary>A new job, waiting for a frontend with room.</summary>
    public async Task AddAsync(string jobId, DateTimeOffset createdAt, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO audio_job_schedule (job_id, waiting, due_at, status, created_at) VALUES (@id, true, @at, 'queued', @at) ON CONFLICT (job_id) DO NOTHING");
        command.Parameters.AddWithValue("id", jobId);
        command.Parameters.AddWithValue("at", createdAt);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Jobs to look at now (known from elsewhere, e.g. an older index): due at once, not waiting.</summary>
    public async Task AddDueAsync(IReadOnlyCollection<string> jobIds, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO audio_job_schedule (job_id, waiting, due_at, status, created_at) SELECT id, false, @at, 'unknown', @at FROM unnest(@ids) AS id ON CONFLICT (job_id) DO NOTHING");
        command.Parameters.AddWithValue("ids", jobIds.ToArray());
        command.Parameters.AddWithValue("at", now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Up to <paramref name="count"/> waiting jobs, oldest first, taken out of the queue and due again at <paramref name="until"/>.</summary>
    public Task<IReadOnlyList<string>> ClaimWaitingAsync(int count, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        ClaimAsync("waiting AND due_at <= @now ORDER BY created_at", count, now, until, cancellationToken);

    /// <summary>Up to <paramref name="count"/> jobs due to be looked at, soonest first, due again at <paramref name="until"/>.</summary>
    public Task<IReadOnlyList<string>> ClaimDueAsync(int count, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken = default) =>
        ClaimAsync("NOT waiting AND due_at <= @now ORDER BY due_at", count, now, until, cancellationToken);

    /// <summary>When the job needs looking at next, and its status as last seen; <paramref name="waiting"/> puts it back in the queue.</summary>
    public async Task RescheduleAsync(string jobId, DateTimeOffset due, string status, bool waiting = false, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE audio_job_schedule SET due_at = @due, status = @status, waiting = @waiting WHERE job_id = @id");
        command.Parameters.AddWithValue("id", jobId);
        command.Parameters.AddWithValue("due", due);
        command.Parameters.AddWithValue("status", status);
        command.Parameters.AddWithValue("waiting", waiting);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RemoveAsync(string jobId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM audio_job_schedule WHERE job_id = @id");
        command.Parameters.AddWithValue("id", jobId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Jobs waiting, jobs running (as last seen) and when the oldest waiting one was made: one aggregate over the table.</summary>
    public async Task<JobBacklog> BacklogAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT count(*) FILTER (WHERE waiting), count(*) FILTER (WHERE NOT waiting AND status = 'running'), min(created_at) FILTER (WHERE waiting) FROM audio_job_schedule");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new JobBacklog((int)reader.GetInt64(0), (int)reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2));
    }

    private async Task<IReadOnlyList<string>> ClaimAsync(string which, int count, DateTimeOffset now, DateTimeOffset until, CancellationToken cancellationToken)
    {
        if (count <= 0)
        {
            return [];
        }

        await using var command = dataSource.CreateCommand(
            $"UPDATE audio_job_schedule SET waiting = false, due_at = @until WHERE job_id IN " +
            $"(SELECT job_id FROM audio_job_schedule WHERE {which} LIMIT @count FOR UPDATE SKIP LOCKED) RETURNING job_id");
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("until", until);
        command.Parameters.AddWithValue("count", count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var claimed = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(reader.GetString(0));
        }

        return claimed;
    }
}

/// <summary>What the jobs' queue holds: the figures the job metrics export.</summary>
public sealed record JobBacklog(int Queued, int Running, DateTimeOffset? OldestQueued);
