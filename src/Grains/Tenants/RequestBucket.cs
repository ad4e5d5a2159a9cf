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
        var perToken = TimeSpan.FromMinutes(1) / RequestsPerMinute;
        if (now > _updatedAt)
        {
            _tokens = Math.Min(RequestsPerMinute, _tokens + ((now - _updatedAt) / perToken));
            _updatedAt = now;
        }

        if (_tokens >= 1)
        {
            _tokens -= 1;
            return (true, TimeSpan.Zero);
        }

        return (false, perToken * (1 - _tokens));
    }
}
