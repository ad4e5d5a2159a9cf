namespace QwenTts.Grains.Interfaces.Tenants;

/// <summary>
/// A frontend asks for (more of) a block of a tenant's allowance that it spends on its own until the lease expires:
/// what its next request needs (refused unless that fits) and extra to carry it through a while (granted only where
/// the allowance has plenty left). It reports how many characters of the lease its requests reserved so far.
/// </summary>
/// <param name="Holder">The frontend instance: one lease per tenant and holder.</param>
/// <param name="LeaseId">The lease being topped up; null (or one the grain does not know) starts a new lease.</param>
/// <param name="ReservedCharacters">Characters of this lease reserved by the holder's requests so far (all grants together).</param>
[GenerateSerializer, Immutable]
public sealed record QuotaLeaseRequest(
    [property: Id(0)] string Holder,
    [property: Id(1)] Guid? LeaseId,
    [property: Id(2)] int RequestsPerMinute,
    [property: Id(3)] long CharactersPerDay,
    [property: Id(4)] int NeededTokens,
    [property: Id(5)] int ExtraTokens,
    [property: Id(6)] long NeededCharacters,
    [property: Id(7)] long ExtraCharacters,
    [property: Id(8)] long ReservedCharacters);

/// <summary>
/// What was granted now (added to the lease), valid for <see cref="ValidFor"/> from the request. A new
/// <see cref="Id"/> means the grain does not know the holder's previous lease: whatever was left of it must not be spent.
/// <see cref="TokenRefusal"/> or <see cref="CharacterRefusal"/> say why what was needed did not fit (nothing of that kind
/// was granted then).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record QuotaLease(
    [property: Id(0)] Guid Id,
    [property: Id(1)] DateOnly Day,
    [property: Id(2)] int Tokens,
    [property: Id(3)] long Characters,
    [property: Id(4)] TimeSpan ValidFor,
    [property: Id(5)] QuotaDecision? TokenRefusal = null,
    [property: Id(6)] QuotaDecision? CharacterRefusal = null);

/// <summary>The part of a lease its holder never spent, given back (the holder has stopped spending it).</summary>
[GenerateSerializer, Immutable]
public sealed record QuotaLeaseReturn(
    [property: Id(0)] string Holder,
    [property: Id(1)] Guid LeaseId,
    [property: Id(2)] DateOnly Day,
    [property: Id(3)] int Tokens,
    [property: Id(4)] long Characters);
