namespace QwenTts.Frontend.Jobs;

/// <summary>Job completion callbacks; bound from <c>Jobs:Callbacks</c>.</summary>
public sealed class CallbackOptions
{
    public const string Section = "Jobs:Callbacks";

    /// <summary>Server secret from which each tenant's signing secret is derived (set it by environment, never argv). Empty: callbacks are off.</summary>
    public string? SigningKey { get; set; }

    /// <summary>Allow callback URLs on loopback and private addresses (tests and single-host setups only).</summary>
    public bool AllowPrivateNetworks { get; set; }

    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry; doubled after each failed try.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
