using Microsoft.Extensions.Logging;
using Npgsql;

namespace QwenTts.Storage.Migrations;

/// <summary>
/// Applies the numbered schema steps that a database has not seen yet, each in its own transaction, under an
/// advisory lock so that silos starting together do not race. A step already applied is never run again, and a
/// step whose text changed after it was applied is refused: the schema changes only through new steps.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    // Arbitrary, fixed key for pg_advisory_xact_lock: "QwenTts" in ASCII.
    private const long MigrationLockKey = 0x5177656E547473;

    private const string VersionTableDdl = """
        CREATE TABLE IF NOT EXISTS qwentts_schema_version
        (
            version    integer     NOT NULL PRIMARY KEY,
            name       text        NOT NULL,
            checksum   text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """;

    public async Task<SchemaStatus> MigrateAsync(CancellationToken cancellationToken = default)
    {
        foreach (var migration in EmbeddedMigrations.All)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
            await ExecuteAsync(connection, transaction, VersionTableDdl, cancellationToken);

            var appliedChecksum = await ReadChecksumAsync(connection, transaction, migration.Version, cancellationToken);
            if (appliedChecksum is not null)
            {
                if (!string.Equals(appliedChecksum, migration.Checksum, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"Migration {migration.Version:D4}_{migration.Name} was changed after it was applied. " +
                        "Never edit an applied migration: add a new numbered one.");
                }

                await transaction.RollbackAsync(cancellationToken);
                continue;
            }

            LogApplying(migration.Version, migration.Name);
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await using (var record = new NpgsqlCommand(
                "INSERT INTO qwentts_schema_version (version, name, checksum) VALUES (@version, @name, @checksum)", connection, transaction))
            {
                record.Parameters.AddWithValue("version", migration.Version);
                record.Parameters.AddWithValue("name", migration.Name);
                record.Parameters.AddWithValue("checksum", migration.Checksum);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
        }

        var status = await GetStatusAsync(cancellationToken);
        LogSchemaReady(status.CurrentVersion);
        return status;
    }

    public async Task<SchemaStatus> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('qwentts_schema_version') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return new SchemaStatus(0, EmbeddedMigrations.LatestVersion);
            }
        }

        await using var command = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM qwentts_schema_version", connection);
        var current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        return new SchemaStatus(current, EmbeddedMigrations.LatestVersion);
    }

    private static async Task<string?> ReadChecksumAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, int version, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT checksum FROM qwentts_schema_version WHERE version = @version", connection, transaction);
        command.Parameters.AddWithValue("version", version);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying schema migration {Version:D4}_{Name}")]
    private partial void LogApplying(int version, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "PostgreSQL schema at version {Version}")]
    private partial void LogSchemaReady(int version);
}
