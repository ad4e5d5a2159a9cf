using Npgsql;

namespace QwenTts.Storage.Tenants;

/// <summary>Tenants and their API keys in PostgreSQL.</summary>
public sealed class TenantStore(NpgsqlDataSource dataSource)
{
    private const string TenantColumns = "id, display_name, requests_per_minute, characters_per_day, created_at, disabled_at IS NOT NULL, reference_cloning, ai_notice";

    public async Task<Tenant> CreateTenantAsync(string id, string displayName, int requestsPerMinute, long charactersPerDay, CancellationToken cancellationToken = default) =>
        await CreateTenantAsync(id, displayName, requestsPerMinute, charactersPerDay, referenceCloning: false, cancellationToken);

    public async Task<Tenant> CreateTenantAsync(string id, string displayName, int requestsPerMinute, long charactersPerDay, bool referenceCloning,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO tenants (id, display_name, requests_per_minute, characters_per_day, reference_cloning) VALUES (@id, @name, @rpm, @cpd, @cloning) " +
            "RETURNING " + TenantColumns);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", displayName);
        command.Parameters.AddWithValue("rpm", requestsPerMinute);
        command.Parameters.AddWithValue("cpd", charactersPerDay);
        command.Parameters.AddWithValue("cloning", referenceCloning);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return ReadTenant(reader);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new InvalidOperationException($"Tenant '{id}' already exists.", ex);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CheckViolation)
        {
            throw new ArgumentException($"Tenant id '{id}' or its quotas are not valid: {ex.MessageText}", ex);
        }
    }

    public async Task<Tenant?> GetTenantAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {TenantColumns} FROM tenants WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTenant(reader) : null;
    }

    public async Task<IReadOnlyList<Tenant>> ListTenantsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {TenantColumns} FROM tenants ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tenants = new List<Tenant>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(ReadTenant(reader));
        }

        return tenants;
    }

    public async Task<NewApiKey> CreateKeyAsync(string tenantId, string label = "", CancellationToken cancellationToken = default)
    {
        var key = ApiKeyFormat.NewKey();
        await using var command = dataSource.CreateCommand(
            "INSERT INTO api_keys (tenant_id, key_hash, key_prefix, label) VALUES (@tenant, @hash, @prefix, @label) RETURNING id, created_at");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("hash", ApiKeyFormat.Hash(key));
        command.Parameters.AddWithValue("prefix", ApiKeyFormat.Prefix(key));
        command.Parameters.AddWithValue("label", label);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            return new NewApiKey(key, new ApiKeyInfo(reader.GetInt64(0), tenantId, ApiKeyFormat.Prefix(key), label, reader.GetFieldValue<DateTimeOffset>(1), null));
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new InvalidOperationException($"Tenant '{tenantId}' does not exist.", ex);
        }
    }

    /// <summary>The tenant a key belongs to, when the key is known, not revoked and its tenant is enabled.</summary>
    public async Task<Tenant?> FindTenantByKeyAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT t.id, t.display_name, t.requests_per_minute, t.characters_per_day, t.created_at, t.disabled_at IS NOT NULL, t.reference_cloning, t.ai_notice " +
            "FROM api_keys k JOIN tenants t ON t.id = k.tenant_id " +
            "WHERE k.key_hash = @hash AND k.revoked_at IS NULL AND t.disabled_at IS NULL");
        command.Parameters.AddWithValue("hash", ApiKeyFormat.Hash(key));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTenant(reader) : null;
    }

    /// <summary>Every key with its tenant and whether it still admits requests, for the frontends' key cache.</summary>
    public async Task<IReadOnlyList<KnownApiKey>> ListKnownKeysAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT t.id, t.display_name, t.requests_per_minute, t.characters_per_day, t.created_at, t.disabled_at IS NOT NULL, t.reference_cloning, t.ai_notice, " +
            "encode(k.key_hash, 'hex'), k.revoked_at IS NOT NULL OR t.disabled_at IS NOT NULL " +
            "FROM api_keys k JOIN tenants t ON t.id = k.tenant_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<KnownApiKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new KnownApiKey(reader.GetString(8), ReadTenant(reader), reader.GetBoolean(9)));
        }

        return keys;
    }

    public async Task<int> RevokeKeyAsync(string prefix, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE api_keys SET revoked_at = now() WHERE key_prefix = @prefix AND revoked_at IS NULL");
        command.Parameters.AddWithValue("prefix", prefix);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListKeysAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, tenant_id, key_prefix, label, created_at, revoked_at FROM api_keys WHERE tenant_id = @tenant ORDER BY id");
        command.Parameters.AddWithValue("tenant", tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new ApiKeyInfo(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return keys;
    }

    /// <summary>Opens or closes one-shot cloning from ref_audio for a tenant; null when there is no such tenant. Frontends see it from their next key refresh.</summary>
    public Task<Tenant?> SetReferenceCloningAsync(string id, bool enabled, CancellationToken cancellationToken = default) =>
        SetPolicyAsync(id, "reference_cloning", enabled, cancellationToken);

    /// <summary>Sets the tenant's explicit AI-content label (<see cref="AiNotices"/>); null when there is no such tenant. Frontends see it from their next key refresh.</summary>
    public Task<Tenant?> SetAiNoticeAsync(string id, string notice, CancellationToken cancellationToken = default) =>
        SetPolicyAsync(id, "ai_notice", notice, cancellationToken);

    /// <summary>One policy column of a tenant (the name is ours, never a caller's); the tenant as it is now, or null.</summary>
    private async Task<Tenant?> SetPolicyAsync<T>(string id, string column, T value, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"UPDATE tenants SET {column} = @value WHERE id = @id RETURNING {TenantColumns}");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("value", value!);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadTenant(reader) : null;
    }

    private static Tenant ReadTenant(NpgsqlDataReader reader) => new(reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
        reader.GetInt64(3), reader.GetFieldValue<DateTimeOffset>(4), reader.GetBoolean(5), reader.GetBoolean(6), reader.GetString(7));
}
