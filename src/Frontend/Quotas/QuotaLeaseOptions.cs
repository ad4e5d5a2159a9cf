namespace QwenTts.Frontend.Quotas;

/// <summary>
/// Quota leases (section <c>Quotas:Leases</c>): each frontend holds a block of every active tenant's request tokens and
/// characters, so a request is admitted without a call to the tenant's quota grain, and keeps being admitted while
/// that grain is unreachable (its silo just died: until membership declares it dead, some 15 s in production).
/// </summary>
public sealed class QuotaLeaseOptions
{
    public const string Section = "Quotas:Leases";

    /// <summary>False: every request asks the grain (exact, but waits while the grain's silo is being declared dead).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A block is sized for this long at the tenant's recent rate: well over what a death declaration takes (about 15 s
    /// in production), and no longer than a lease lasts (60 s).
    /// </summary>
    public TimeSpan Horizon { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A block is topped up in the background this long after the last grant, or once a quarter of it is spent.</summary>
    public TimeSpan RenewAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A tenant's block unused this long goes back to its allowance (for the other frontends).</summary>
    public TimeSpan IdleAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A lease lasts 60 s from its grant: a block for longer could not be spent.</summary>
    public bool IsValid => Horizon > TimeSpan.Zero && Horizon <= TimeSpan.FromSeconds(60) && RenewAfter > TimeSpan.Zero && RenewAfter < Horizon
        && IdleAfter > TimeSpan.Zero;
}
