using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Storage.Tenants;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>
/// Quota leases at the tenant's quota grain: a block counts as used until its rest comes back, a new activation of the
/// grain (its silo died) counts the blocks frontends still hold, and a tenant near its limit gets no more than it needs.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QuotaLeaseTests(PostgresFixture postgres, MiniatureModelFixture models)
{
    private const long PerDay = 100_000;

    [Fact]
    public async Task A_block_still_held_when_the_quota_grain_moves_is_counted_by_the_new_activation_and_never_granted_twice()
    {
        var database = await postgres.CreateDatabaseAsync("quotalease");
        await using var cluster = await StartAsync(database);
        var quota = cluster.Client.GetGrain<ITenantQuotaGrain>("acme");

        var lease = await quota.LeaseAsync(Ask("frontend-1", null, neededCharacters: 100, extraCharacters: 1000, reserved: 0));
        Assert.Equal(1100, lease.Characters);
        Assert.Equal(1, lease.Tokens);
        Assert.Equal(1100, await quota.CharactersUsedTodayAsync());

        // The frontend says 300 of the block went to requests, which the usage recorder meters; 800 are still held.
        var topUp = await quota.LeaseAsync(Ask("frontend-1", lease.Id, neededCharacters: 0, extraCharacters: 0, reserved: 300));
        Assert.Equal(lease.Id, topUp.Id);
        await using (var data = NpgsqlDataSource.Create(database))
        {
            await new TenantStore(data).CreateTenantAsync("acme", "acme", 600, PerDay, false);
            await new UsageStore(data).RecordAsync([new UsageRecord("speech_1", "acme", "/v1/audio/speech", 300, 1.0, "cpu/0", "alloy", "completed", DateTimeOffset.UtcNow)]);
        }

        // The grain moves (as when its silo dies): the new activation reads the metered 300 and the 800 still held.
        await cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(1100, await quota.CharactersUsedTodayAsync());
        var other = await quota.LeaseAsync(Ask("frontend-2", null, neededCharacters: PerDay - 1100 + 1, extraCharacters: 0, reserved: 0));
        Assert.NotNull(other.CharacterRefusal); // the held block is not granted again
        Assert.Equal(0, other.Characters);

        // Its holder gives the 800 back to the new activation: they are free for the other frontend.
        await quota.ReturnLeaseAsync(new QuotaLeaseReturn("frontend-1", lease.Id, lease.Day, 0, 800));
        Assert.Equal(300, await quota.CharactersUsedTodayAsync());
        var after = await quota.LeaseAsync(Ask("frontend-2", null, neededCharacters: PerDay - 300, extraCharacters: 0, reserved: 0));
        Assert.Null(after.CharacterRefusal);
        Assert.Equal(PerDay, await quota.CharactersUsedTodayAsync());
    }

    [Fact]
    public async Task Near_its_limit_a_tenant_is_leased_only_what_each_request_needs_so_no_frontend_holds_what_another_needs()
    {
        await using var cluster = await StartAsync(await postgres.CreateDatabaseAsync("quotanear"));
        var quota = cluster.Client.GetGrain<ITenantQuotaGrain>("near");

        // 16x the extra must be left besides what is needed, for characters; 8x for request tokens.
        var roomy = await quota.LeaseAsync(Ask("frontend-1", null, neededCharacters: 100, extraCharacters: 5000, reserved: 0, extraTokens: 10));
        Assert.Equal(5100, roomy.Characters);
        Assert.Equal(11, roomy.Tokens);
        var tight = await quota.LeaseAsync(Ask("frontend-2", null, neededCharacters: 100, extraCharacters: 6000, reserved: 0, extraTokens: 100));
        Assert.Equal(100, tight.Characters); // 100,000 - 5,100 - 100 < 16 x 6,000
        Assert.Equal(1, tight.Tokens); // 600 - 11 - 1 < 8 x 100
    }

    private static QuotaLeaseRequest Ask(string holder, Guid? lease, long neededCharacters, long extraCharacters, long reserved, int extraTokens = 0) =>
        new(holder, lease, RequestsPerMinute: 600, CharactersPerDay: PerDay, NeededTokens: 1, ExtraTokens: extraTokens, neededCharacters, extraCharacters, reserved);

    private Task<Orleans.TestingHost.InProcessTestCluster> StartAsync(string database) =>
        InProcessCluster.StartAsync(new InProcessCluster.Settings(database, models.VoiceDesign)
        {
            Silos = 1,
            Services = services =>
            {
                services.AddSingleton(_ => NpgsqlDataSource.Create(database));
                services.AddSingleton<UsageStore>();
                services.AddSingleton<QuotaLeaseStore>();
            },
        });
}
