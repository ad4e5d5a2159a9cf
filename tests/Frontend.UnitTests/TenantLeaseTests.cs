using QwenTts.Frontend.Quotas;
using QwenTts.Grains.Interfaces.Tenants;

namespace QwenTts.Frontend.UnitTests;

/// <summary>A frontend's block of a tenant's allowance: spending, sizing the next ask, topping up, expiry, giving back.</summary>
public sealed class TenantLeaseTests
{
    private static readonly TimeSpan Horizon = TimeSpan.FromSeconds(60);
    private static readonly DateOnly Today = new(2026, 12, 7);

    [Fact]
    public void A_grant_is_spent_here_until_it_runs_out_or_expires()
    {
        var lease = new TenantLease();
        Assert.False(lease.TryTakeToken(T(0), Today)); // nothing granted yet: the request asks the grain
        lease.AddAndTake(Grant(Guid.NewGuid(), tokens: 2, characters: 100), askedAt: T(0), now: T(0.1), Today, tokens: 0, characters: null);

        Assert.True(lease.TryTakeToken(T(1), Today));
        Assert.Equal(new CharacterReservation(Today, 60), lease.TryReserve(60, T(1), Today));
        Assert.Null(lease.TryReserve(41, T(1), Today)); // 40 left
        Assert.True(lease.TryTakeToken(T(2), Today));
        Assert.False(lease.TryTakeToken(T(2), Today));
        Assert.Null(lease.TryReserve(10, T(60.5), Today)); // valid for 60 s from the ask
        Assert.True(lease.HasEndedLease(T(60.5), Today));
    }

    [Fact]
    public void Yesterdays_block_is_not_spent_after_midnight_and_a_grant_is_taken_in_the_step_it_lands()
    {
        var lease = new TenantLease();
        var (token, reservation) = lease.AddAndTake(Grant(Guid.NewGuid(), tokens: 3, characters: 100), askedAt: T(0), now: T(0), Today, tokens: 1, characters: 40);
        Assert.True(token);
        Assert.Equal(new CharacterReservation(Today, 40), reservation);
        var tomorrow = Today.AddDays(1);
        Assert.False(lease.TryTakeToken(T(1), tomorrow));
        Assert.Null(lease.TryReserve(10, T(1), tomorrow));
        Assert.True(lease.HasEndedLease(T(1), tomorrow));
        Assert.True(lease.TryTakeToken(T(1), Today));
    }

    [Fact]
    public void The_next_ask_is_sized_for_the_horizon_at_the_rate_spent_since_the_last_grant_and_reports_what_was_reserved()
    {
        var lease = new TenantLease();
        var id = Guid.NewGuid();
        lease.AddAndTake(Grant(id, tokens: 20, characters: 1000), askedAt: T(0), now: T(0), Today, tokens: 0, characters: null);
        for (var i = 0; i < 10; i++)
        {
            Assert.True(lease.TryTakeToken(T(i * 0.5), Today));
            Assert.NotNull(lease.TryReserve(40, T(i * 0.5), Today));
        }

        // 10 requests and 400 characters in 5 s: 120 tokens and 4,800 characters for 60 s, less what is still here.
        var ask = lease.Ask("f1", 600, 100_000, neededTokens: 1, neededCharacters: 700, Horizon, T(5), Today);
        Assert.Equal(id, ask.LeaseId);
        Assert.Equal(120 - 10, ask.ExtraTokens);
        Assert.Equal(4800 - 600, ask.ExtraCharacters);
        Assert.Equal(400, ask.ReservedCharacters);
        Assert.Equal(0, ask.NeededTokens); // 10 tokens still here
        Assert.Equal(100, ask.NeededCharacters); // only what the 600 here do not cover
    }

    [Fact]
    public void A_top_up_is_wanted_once_a_quarter_is_spent_or_the_grant_is_old_and_a_new_lease_id_drops_the_old_rest()
    {
        var lease = new TenantLease();
        lease.AddAndTake(Grant(Guid.NewGuid(), tokens: 8, characters: 800), askedAt: T(0), now: T(0), Today, tokens: 0, characters: null);
        var renewAfter = TimeSpan.FromSeconds(10);
        Assert.False(lease.WantsTopUp(T(1), renewAfter));
        lease.TryReserve(150, T(1), Today);
        Assert.False(lease.WantsTopUp(T(1), renewAfter));
        lease.TryReserve(100, T(1), Today); // 550 of 800 left: under three quarters
        Assert.True(lease.WantsTopUp(T(1), renewAfter));

        var fresh = new TenantLease();
        fresh.AddAndTake(Grant(Guid.NewGuid(), tokens: 8, characters: 800), askedAt: T(0), now: T(0), Today, tokens: 0, characters: null);
        Assert.True(fresh.WantsTopUp(T(10), renewAfter));

        // The grain answers with another id (it did not know the old lease): the old rest must not be spent.
        var newId = Guid.NewGuid();
        fresh.AddAndTake(Grant(newId, tokens: 1, characters: 50), askedAt: T(11), now: T(11), Today, tokens: 0, characters: null);
        Assert.Null(fresh.TryReserve(51, T(11), Today));
        Assert.Equal(new QuotaLeaseReturn("f1", newId, Today, 1, 50), fresh.End("f1"));
        Assert.Null(fresh.End("f1")); // ended: nothing more to give back
        Assert.False(fresh.TryTakeToken(T(12), Today));
    }

    private static QuotaLease Grant(Guid id, int tokens, long characters) => new(id, Today, tokens, characters, TimeSpan.FromSeconds(60));

    private static TimeSpan T(double seconds) => TimeSpan.FromSeconds(seconds);
}
