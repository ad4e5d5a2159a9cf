using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using QwenTts.Frontend.Auth;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.UnitTests;

/// <summary>
/// The key directory with PostgreSQL unreachable (a loopback port nobody listens on): what it serves from its copy, for
/// how long, and what it refuses.
/// </summary>
public sealed class KeyCacheTests : IAsyncDisposable
{
    private static readonly Tenant Acme = new("acme", "ACME", 60, 1000, DateTimeOffset.UnixEpoch, Disabled: false);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly NpgsqlDataSource _unreachable = NpgsqlDataSource.Create($"Host=127.0.0.1;Port={ClosedPort()};Database=x;Username=x;Password=x;Timeout=2");
    private readonly TenantDirectory _directory;

    public KeyCacheTests() =>
        _directory = new TenantDirectory(new TenantStore(_unreachable), _clock, Options.Create(new KeyCacheOptions { MaxKeyStaleness = TimeSpan.FromMinutes(10) }));

    [Fact]
    public async Task A_known_key_is_served_from_memory_until_the_copy_is_older_than_the_staleness_limit()
    {
        var key = ApiKeyFormat.NewKey();
        _directory.Replace(Snapshot(new KnownApiKey(ApiKeyFormat.HashHex(key), Acme, Revoked: false)));

        _clock.Advance(TimeSpan.FromMinutes(10));
        var atLimit = await _directory.FindAsync(key, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var beyond = await _directory.FindAsync(key, CancellationToken.None);

        Assert.Equal(KeyStatus.Valid, atLimit.Status);
        Assert.Equal("acme", atLimit.Tenant?.Id);
        Assert.Equal(KeyStatus.Unavailable, beyond.Status);
        Assert.Contains("older than 00:10:00", beyond.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_and_an_unseen_one_is_unavailable_not_unknown()
    {
        var revoked = ApiKeyFormat.NewKey();
        _directory.Replace(Snapshot(new KnownApiKey(ApiKeyFormat.HashHex(revoked), Acme, Revoked: true)));

        var refused = await _directory.FindAsync(revoked, CancellationToken.None);
        var unseen = await _directory.FindAsync(ApiKeyFormat.NewKey(), CancellationToken.None);

        Assert.Equal(KeyStatus.Revoked, refused.Status);
        Assert.Equal(KeyStatus.Unavailable, unseen.Status);
        Assert.Contains("has not seen this key", unseen.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_snapshot_file_round_trips_hashes_and_tenants_and_holds_no_key()
    {
        var key = ApiKeyFormat.NewKey();
        var folder = Path.Combine(Path.GetTempPath(), "qwentts-snapshot-test-" + Guid.NewGuid().ToString("N")[..8]);
        var file = new KeySnapshotFile(folder);
        try
        {
            await file.WriteAsync(Snapshot(new KnownApiKey(ApiKeyFormat.HashHex(key), Acme, Revoked: false)), CancellationToken.None);
            var read = await file.ReadAsync(CancellationToken.None);

            Assert.Equal(Acme, Assert.Single(read!.Keys).Tenant);
            Assert.Equal(ApiKeyFormat.HashHex(key), read.Keys[0].HashHex);
            Assert.DoesNotContain(key, await File.ReadAllTextAsync(file.Path), StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file.Path));
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public async ValueTask DisposeAsync() => await _unreachable.DisposeAsync();

    private KeySnapshot Snapshot(params KnownApiKey[] keys) => new(_clock.GetUtcNow(), "127.0.0.1:5432/x", keys);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
