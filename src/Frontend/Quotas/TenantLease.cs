using QwenTts.Grains.Interfaces.Tenants;

namespace QwenTts.Frontend.Quotas;

/// <summary>
/// This frontend's block of one tenant's allowance: request tokens and characters granted by the tenant's quota grain,
/// spent here until the lease runs out or its UTC day ends. Times are this process's monotonic clock. Thread-safe;
/// <see cref="Gate"/> lets one grain call at a time ask for more.
/// </summary>
public sealed class TenantLease
{
    private readonly object _sync = new();
    private Guid? _id;
    private DateOnly _day;
    private int _tokens;
    private long _characters;
    private long _granted;
    private TimeSpan _validUntil;
    private TimeSpan _grantedAt;
    private TimeSpan _lastUsedAt;
    private int _tokensSinceGrant;
    private long _charactersSinceGrant;
    private int _tokensAtGrant;
    private long _charactersAtGrant;

    public SemaphoreSlim Gate { get; } = new(1, 1);

    /// <summary>The last background top-up failed (its warning is logged once until one succeeds).</summary>
    public bool TopUpFailing { get; set; }

    /// <summary>When a request's ask last gave up on the grain (its whole retry budget), so those queued behind it do not each wait as long again.</summary>
    public TimeSpan? LastAskGaveUpAt { get; set; }

    public bool TryTakeToken(TimeSpan now, DateOnly today)
    {
        lock (_sync)
        {
            return TakeToken(now, today);
        }
    }

    public CharacterReservation? TryReserve(int characters, TimeSpan now, DateOnly today)
    {
        lock (_sync)
        {
            return Reserve(characters, now, today);
        }
    }

    /// <summary>
    /// Time to ask for more in the background: the grant is old, or a quarter of what was here after it is spent (so a
    /// grain that stops answering finds at least three quarters of a horizon's worth here).
    /// </summary>
    public bool WantsTopUp(TimeSpan now, TimeSpan renewAfter)
    {
        lock (_sync)
        {
            return _id is not null && (now - _grantedAt >= renewAfter || _tokens * 4 < _tokensAtGrant * 3 || _characters * 4 < _charactersAtGrant * 3);
        }
    }

    public bool IdleSince(TimeSpan now, TimeSpan idleAfter)
    {
        lock (_sync)
        {
            return _id is not null && now - _lastUsedAt >= idleAfter;
        }
    }

    /// <summary>
    /// The ask for more: what the next request needs beyond what is still here, plus enough for <paramref name="horizon"/>
    /// at the rate spent since the last grant, less what is still here.
    /// </summary>
    public QuotaLeaseRequest Ask(string holder, int requestsPerMinute, long charactersPerDay, int neededTokens, long neededCharacters, TimeSpan horizon,
        TimeSpan now, DateOnly today)
    {
        lock (_sync)
        {
            var valid = IsValid(now, today);
            var (tokens, characters) = valid ? (_tokens, _characters) : (0, 0L);
            var scale = horizon.TotalSeconds / Math.Max(1, (now - _grantedAt).TotalSeconds);
            var extraTokens = (int)Math.Min(int.MaxValue, Math.Max(0, Math.Ceiling(_tokensSinceGrant * scale) - tokens));
            var extraCharacters = (long)Math.Max(0, Math.Ceiling(_charactersSinceGrant * scale) - characters);
            return new QuotaLeaseRequest(holder, valid ? _id : null, requestsPerMinute, charactersPerDay, Math.Max(0, neededTokens - tokens), extraTokens,
                Math.Max(0, neededCharacters - characters), extraCharacters, valid ? _granted - _characters : 0);
        }
    }

    /// <summary>
    /// Adds a grant asked for at <paramref name="askedAt"/> (a new lease id means what was left of the old one is gone)
    /// and, in the same step, takes what the asking request needs, so no other request takes it first.
    /// </summary>
    /// <param name="characters">Characters to reserve from it; null to reserve none.</param>
    public (bool Token, CharacterReservation? Reservation) AddAndTake(QuotaLease lease, TimeSpan askedAt, TimeSpan now, DateOnly today, int tokens, int? characters)
    {
        lock (_sync)
        {
            if (lease.Id != _id)
            {
                (_id, _day, _tokens, _characters, _granted) = (lease.Id, lease.Day, 0, 0, 0);
                _lastUsedAt = now;
            }

            _tokens += lease.Tokens;
            _characters += lease.Characters;
            _granted += lease.Characters;
            _validUntil = askedAt + lease.ValidFor;
            (_grantedAt, _tokensSinceGrant, _charactersSinceGrant, _tokensAtGrant, _charactersAtGrant) = (now, 0, 0, _tokens, _characters);
            var token = tokens > 0 && TakeToken(now, today);
            var reservation = characters is { } wanted ? Reserve(wanted, now, today) : null;
            return (token, reservation);
        }
    }

    /// <summary>Ends the lease here: what was never spent, to give back (null when there is no lease).</summary>
    public QuotaLeaseReturn? End(string holder)
    {
        lock (_sync)
        {
            if (_id is not { } id)
            {
                return null;
            }

            var returned = new QuotaLeaseReturn(holder, id, _day, _tokens, _characters);
            (_id, _tokens, _characters, _granted) = (null, 0, 0, 0);
            return returned;
        }
    }

    /// <summary>A lease that ran out (or belongs to another UTC day) is ended before a new one is asked for.</summary>
    public bool HasEndedLease(TimeSpan now, DateOnly today)
    {
        lock (_sync)
        {
            return _id is not null && !IsValid(now, today);
        }
    }

    private bool TakeToken(TimeSpan now, DateOnly today)
    {
        if (!IsValid(now, today) || _tokens < 1)
        {
            return false;
        }

        _tokens--;
        _tokensSinceGrant++;
        _lastUsedAt = now;
        return true;
    }

    private CharacterReservation? Reserve(int characters, TimeSpan now, DateOnly today)
    {
        if (!IsValid(now, today) || _characters < characters)
        {
            return null;
        }

        _characters -= characters;
        _charactersSinceGrant += characters;
        _lastUsedAt = now;
        return new CharacterReservation(_day, characters);
    }

    /// <summary>Spendable: granted, not run out, and of today (yesterday's characters are not today's to spend).</summary>
    private bool IsValid(TimeSpan now, DateOnly today) => _id is not null && now < _validUntil && _day == today;
}
