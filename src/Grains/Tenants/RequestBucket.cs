namespace QwenTts.Grains.Tenants;

/// <summary>
/// A token bucket for requests per minute: a full minute's worth may burst, then one request every 60/rpm seconds.
/// Only touched on its grain's scheduler, so it needs no lock and no timer: tokens are topped up when asked.
/// </summary>
internal sealed class RequestBucket(int requestsPerMinute, DateTimeOffset now)
{
    private double _tokens = requestsPerMinute;
    private DateTimeOffset _updatedAt = now;

    public int RequestsPerMinute { get; } = requestsPerMinute;

    /// <summary>Takes a token, or says how long until one is there.</summary>
    public (bool Taken, TimeSpan RetryAfter) TryTake(DateTimeOffset now)
    {
        var (taken, retryAfter) = TryTake(1, 0, now);
        return (taken > 0, retryAfter);
    }

    /// <summary>
    /// Takes <paramref name="needed"/> tokens and, where plenty are left, <paramref name="extra"/> more (a lease's
    /// block: all of it only while the rest is eight times as large, so a tenant near its limit is counted exactly);
    /// or none, saying how long until the needed ones are there.
    /// </summary>
    public (int Taken, TimeSpan RetryAfter) TryTake(int needed, int extra, DateTimeOffset now)
    {
        Refill(now);
        if (_tokens < needed)
        {
            return (0, TimeSpan.FromMinutes(1) / RequestsPerMinute * (needed - _tokens));
        }

        var taken = needed + (extra > 0 && _tokens - needed >= 8.0 * extra ? extra : 0);
        _tokens -= taken;
        return (taken, TimeSpan.Zero);
    }

    /// <summary>Puts back tokens a lease did not use.</summary>
    public void Give(int tokens, DateTimeOffset now)
    {
        Refill(now);
        _tokens = Math.Min(RequestsPerMinute, _tokens + Math.Max(0, tokens));
    }

    private void Refill(DateTimeOffset now)
    {
        if (now > _updatedAt)
        {
            _tokens = Math.Min(RequestsPerMinute, _tokens + ((now - _updatedAt) / (TimeSpan.FromMinutes(1) / RequestsPerMinute)));
            _updatedAt = now;
        }
    }
}
