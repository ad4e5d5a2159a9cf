using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using QwenTts.LocalHosting;
using QwenTts.Storage.Migrations;
using Xunit;

namespace QwenTts.TestSupport;

/// <summary>
/// A real PostgreSQL server for one test assembly: private data folder under /tmp, free loopback port, stopped and
/// deleted at the end. Tests that need isolation create their own database on it.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PrivatePostgresServer? _server;
    private int _databases;

    public PrivatePostgresServer Server => _server ?? throw new InvalidOperationException("PostgreSQL is not started.");

    public string ConnectionString => Server.ConnectionString;

    public async Task InitializeAsync()
    {
        _server = await PrivatePostgresServer.StartAsync(new PrivatePostgresOptions
        {
            DataDirectory = Path.Combine(Path.GetTempPath(), "qwentts-test-pg-" + Guid.NewGuid().ToString("N")[..12]),
            Ephemeral = true,
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A fresh database on the shared server, optionally with the schema applied. Returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, bool migrate = true)
    {
        var name = $"{prefix}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..6]}".ToLowerInvariant();
        await using (var admin = new NpgsqlConnection(ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        var connectionString = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
        if (migrate)
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
        }

        return connectionString;
    }
}
