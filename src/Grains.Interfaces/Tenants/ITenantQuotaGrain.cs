namespace QwenTts.Grains.Interfaces.Tenants;

/// <summary>
/// One tenant's quotas, enforced once for the whole cluster whichever frontend a request reaches; keyed by tenant id.
/// Limits come with each call (from the caller's tenant record) so a changed quota applies at once. Short response
/// timeouts: the grain answers from memory, so a silent call means its silo died, and the caller retries.
/// </summary>
public interface ITenantQuotaGrain : IGrainWithStringKey
{
    /// <summary>Takes one request from the tenant's per-minute allowance.</summary>
    [ResponseTimeout("00:00:03")]
    Task<QuotaDecision> AcquireRequestAsync(int requestsPerMinute);

    /// <summary>Counts <paramref name="characters"/> against today's allowance if they fit.</summary>
    [ResponseTimeout("00:00:10")]
    Task<QuotaDecision> ReserveCharactersAsync(long charactersPerDay, int characters);

    /// <summary>
    /// Grants the holder request tokens and characters it spends on its own (so its requests need no call here); the
    /// characters count as used until what is left of them comes back through <see cref="ReturnLeaseAsync"/>.
    /// </summary>
    [ResponseTimeout("00:00:10")]
    Task<QuotaLease> LeaseAsync(QuotaLeaseRequest request);

    /// <summary>Takes back what is left of a lease; one the grain does not know (expired before it counted it) changes nothing.</summary>
    Task ReturnLeaseAsync(QuotaLeaseReturn returned);

    /// <summary>Gives back a reservation whose request produced no audio (refused by the cluster or failed before its first frame).</summary>
    Task ReleaseCharactersAsync(CharacterReservation reservation);

    /// <summary>Characters counted today (metered usage plus reservations in flight).</summary>
    Task<long> CharactersUsedTodayAsync();
}

/// <summary>Characters counted on one UTC day; releasing it on a later day changes nothing.</summary>
[GenerateSerializer, Immutable]
public sealed record CharacterReservation([property: Id(0)] DateOnly Day, [property: Id(1)] int Characters);

[GenerateSerializer, Immutable]
public sealed record QuotaDecision(
    [property: Id(0)] bool Allowed,
    [property: Id(1)] string? Reason = null,
    [property: Id(2)] TimeSpan RetryAfter = default,
    [property: Id(3)] CharacterReservation? Reservation = null);
