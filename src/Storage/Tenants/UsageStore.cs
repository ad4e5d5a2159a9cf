using Npgsql;

namespace QwenTts.Storage.Tenants;

/// <summary>Usage records in PostgreSQL: one row per request, written idempotently by request id.</summary>
public sealed class UsageStore(NpgsqlDataSource dataSource)
{
    public async Task RecordAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken = default)
    {
        if (records.Count == 0)
        {
            return;
        }

        await using var batch = dataSource.CreateBatch();
        foreach (var record in records)
        {
            var command = new NpgsqlBatchCommand(
                "INSERT INTO usage_records (request_id, tenant_id, recorded_at, endpoint, characters, audio_seconds, devices, voice, status) " +
                "VALUES (@id, @tenant, @at, @endpoint, @chars, @seconds, @devices, @voice, @status) ON CONFLICT (request_id) DO NOTHING");
            command.Parameters.AddWithValue("id", record.RequestId);
            command.Parameters.AddWithValue("tenant", record.TenantId);
            command.Parameters.AddWithValue("at", record.RecordedAt);
            command.Parameters.AddWithValue("endpoint", record.Endpoint);
            command.Parameters.AddWithValue("chars", record.Characters);
            command.Parameters.AddWithValue("seconds", record.AudioSeconds);
            command.Parameters.AddWithValue("devices", record.Devices);
            command.Parameters.AddWithValue("voice", (object?)record.Voice ?? DBNull.Value);
            command.Parameters.AddWithValue("status", record.Status);
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Characters a tenant used since <paramref name="since"/>.</summary>
    public async Task<long> CharactersSinceAsync(string tenantId, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(sum(characters), 0) FROM usage_records WHERE tenant_id = @tenant AND recorded_at >= @since");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("since", since);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<IReadOnlyList<UsageRecord>> ListAsync(string tenantId, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT request_id, tenant_id, endpoint, characters, audio_seconds, devices, voice, status, recorded_at " +
            "FROM usage_records WHERE tenant_id = @tenant ORDER BY recorded_at DESC LIMIT @limit");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("limit", limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<UsageRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new UsageRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetDouble(4),
                reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return records;
    }
}
