using Npgsql;

namespace QwenTts.Storage.Voices;

/// <summary>Voice consents in PostgreSQL. Every query is scoped by tenant: another tenant's id reads as absent.</summary>
public sealed class VoiceConsentStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "id, tenant_id, name, language, recording_sha256, recording_seconds, recording_bytes, content_type, created_at, speaker_embedding";

    public async Task AddAsync(VoiceConsent consent, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"INSERT INTO voice_consents ({Columns}) VALUES (@id, @tenant, @name, @language, @sha, @seconds, @bytes, @type, @at, @speaker)");
        command.Parameters.AddWithValue("id", consent.Id);
        command.Parameters.AddWithValue("tenant", consent.TenantId);
        command.Parameters.AddWithValue("name", consent.Name);
        command.Parameters.AddWithValue("language", consent.Language);
        command.Parameters.AddWithValue("sha", consent.RecordingSha256);
        command.Parameters.AddWithValue("seconds", consent.RecordingSeconds);
        command.Parameters.AddWithValue("bytes", consent.RecordingBytes);
        command.Parameters.AddWithValue("type", consent.ContentType);
        command.Parameters.AddWithValue("at", consent.CreatedAt);
        command.Parameters.AddWithValue("speaker", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Real, (object?)consent.SpeakerEmbedding ?? DBNull.Value);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<VoiceConsent?> GetAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM voice_consents WHERE tenant_id = @tenant AND id = @id");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>Newest first; <paramref name="after"/> is the id of the last consent of the previous page.</summary>
    public async Task<VoiceConsentPage> ListAsync(string tenantId, string? after, int limit, CancellationToken cancellationToken = default)
    {
        var cursor = after is null ? "" : " AND (created_at, id) < (SELECT created_at, id FROM voice_consents WHERE tenant_id = @tenant AND id = @after)";
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM voice_consents WHERE tenant_id = @tenant{cursor} ORDER BY created_at DESC, id DESC LIMIT @limit");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("limit", limit + 1);
        if (after is not null)
        {
            command.Parameters.AddWithValue("after", after);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<VoiceConsent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(Read(reader));
        }

        var hasMore = items.Count > limit;
        return new VoiceConsentPage(hasMore ? items[..limit] : items, hasMore);
    }

    public async Task<VoiceConsent?> RenameAsync(string tenantId, string id, string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE voice_consents SET name = @name WHERE tenant_id = @tenant AND id = @id RETURNING {Columns}");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<bool> DeleteAsync(string tenantId, string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM voice_consents WHERE tenant_id = @tenant AND id = @id");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static VoiceConsent Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<byte[]>(4),
        reader.GetDouble(5), reader.GetInt32(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(9) ? null : reader.GetFieldValue<float[]>(9));
}
