using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using QwenTts.Storage.Migrations;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

[Collection(PostgresCollection.Name)]
public sealed class SchemaMigrationTests(PostgresFixture postgres)
{
    [Fact]
    public async Task Migrating_a_new_database_reaches_the_latest_version_and_installs_every_orleans_query()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema", migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);

        Assert.Equal(0, (await migrator.GetStatusAsync()).CurrentVersion);
        var status = await migrator.MigrateAsync();

        Assert.True(status.IsCurrent);
        Assert.Equal(EmbeddedMigrations.LatestVersion, status.CurrentVersion);
        var keys = await ReadColumnAsync(dataSource, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey");
        Assert.Equal(
        [
            "CleanupDefunctSiloEntriesKey", "ClearStorageKey", "DeleteMembershipTableEntriesKey", "DeleteStorageKey",
            "GatewaysQueryKey", "InsertMembershipKey", "InsertMembershipVersionKey", "MembershipReadAllKey",
            "MembershipReadRowKey", "ReadFromStorageKey", "UpdateIAmAlivetimeKey", "UpdateMembershipKey", "WriteToStorageKey",
        ], keys);
    }

    [Fact]
    public async Task Migrating_twice_is_harmless_and_applies_nothing_the_second_time()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_twice", migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);

        await migrator.MigrateAsync();
        var firstApplied = await ReadColumnAsync(dataSource, "SELECT applied_at::text FROM qwentts_schema_version ORDER BY version");
        var second = await migrator.MigrateAsync();
        var secondApplied = await ReadColumnAsync(dataSource, "SELECT applied_at::text FROM qwentts_schema_version ORDER BY version");

        Assert.True(second.IsCurrent);
        Assert.Equal(firstApplied, secondApplied);
    }

    [Fact]
    public async Task Raw_sql_files_applied_twice_by_hand_do_not_fail()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_raw", migrate: false);
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        foreach (var migration in EmbeddedMigrations.All.Concat(EmbeddedMigrations.All))
        {
            await using var command = dataSource.CreateCommand(migration.Sql);
            await command.ExecuteNonQueryAsync();
        }

        var count = await ReadColumnAsync(dataSource, "SELECT count(*)::text FROM OrleansQuery");
        Assert.Equal("13", Assert.Single(count)); // the Orleans statements; our own tables add none
    }

    [Fact]
    public async Task A_migration_edited_after_it_was_applied_is_refused()
    {
        var connectionString = await postgres.CreateDatabaseAsync("schema_tamper");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using (var tamper = dataSource.CreateCommand("UPDATE qwentts_schema_version SET checksum = 'edited' WHERE version = 1"))
        {
            await tamper.ExecuteNonQueryAsync();
        }

        var migrator = new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync());
        Assert.Contains("was changed after it was applied", error.Message, StringComparison.Ordinal);
    }

    private static async Task<List<string>> ReadColumnAsync(NpgsqlDataSource dataSource, string sql)
    {
        var values = new List<string>();
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
