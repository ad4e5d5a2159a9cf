namespace QwenTts.Frontend.Jobs;

/// <summary>Job completion callbacks; bound from <c>Jobs:Callbacks</c>.</summary>
public sealed class CallbackOptions
{
    public const string Section = "Jobs:Callbacks";

    /// <summary>Server secret from which each tenant's signing secret is derived (set it by environment, never argv). Empty: callbacks are off.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// Gone: callbacks go through the outbound guard like every server-side request (Outbound:AllowedNetworks names the
    /// internal networks a receiver may be in). Setting it stops the frontend with that message rather than being ignored.
    /// </summary>
    public bool? AllowPrivateNetworks { get; set; }

    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry; doubled after each failed try.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
