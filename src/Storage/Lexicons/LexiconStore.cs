using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace QwenTts.Storage.Lexicons;

/// <summary>Lexicons in PostgreSQL. Every query is scoped by tenant: another tenant's lexicon reads as absent.</summary>
public sealed class LexiconStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "tenant_id, name, entries, created_at, updated_at";

    /// <summary>False when the tenant already has a lexicon of that name.</summary>
    public async Task<bool> AddAsync(string tenantId, string name, IReadOnlyList<LexiconEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO lexicons (tenant_id, name, entries) VALUES (@tenant, @name, @entries) ON CONFLICT (tenant_id, name) DO NOTHING");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("entries", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(entries));
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    /// <summary>The lexicon with its entries replaced, or null when the tenant has none of that name.</summary>
    public async Task<Lexicon?> ReplaceAsync(string tenantId, string name, IReadOnlyList<LexiconEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE lexicons SET entries = @entries, updated_at = now() WHERE tenant_id = @tenant AND name = @name RETURNING {Columns}");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("entries", NpgsqlDbType.Jsonb, JsonSerializer.Serialize(entries));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    public async Task<Lexicon?> GetAsync(string tenantId, string name, CancellationToken cancellationToken = default) =>
        (await GetManyAsync(tenantId, [name], cancellationToken)).FirstOrDefault();

    /// <summary>The tenant's lexicons of these names (those it has), in one query.</summary>
    public async Task<IReadOnlyList<Lexicon>> GetManyAsync(string tenantId, IReadOnlyList<string> names, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM lexicons WHERE tenant_id = @tenant AND name = ANY(@names)");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("names", names.ToArray());
        return await ReadAllAsync(command, cancellationToken);
    }

    /// <summary>All of the tenant's lexicons by name (a tenant has few; see the frontend's limits).</summary>
    public async Task<IReadOnlyList<Lexicon>> ListAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM lexicons WHERE tenant_id = @tenant ORDER BY name");
        command.Parameters.AddWithValue("tenant", tenantId);
        return await ReadAllAsync(command, cancellationToken);
    }

    public async Task<int> CountAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM lexicons WHERE tenant_id = @tenant");
        command.Parameters.AddWithValue("tenant", tenantId);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken));
    }

    public async Task<bool> DeleteAsync(string tenantId, string name, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM lexicons WHERE tenant_id = @tenant AND name = @name");
        command.Parameters.AddWithValue("tenant", tenantId);
        command.Parameters.AddWithValue("name", name);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static async Task<IReadOnlyList<Lexicon>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var lexicons = new List<Lexicon>();
        while (await reader.ReadAsync(cancellationToken))
        {
            lexicons.Add(Read(reader));
        }

        return lexicons;
    }

    private static Lexicon Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), JsonSerializer.Deserialize<LexiconEntry[]>(reader.GetString(2)) ?? [],
        reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4));
}
