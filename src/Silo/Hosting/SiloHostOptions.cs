using System.ComponentModel.DataAnnotations;

namespace QwenTts.Silo.Hosting;

/// <summary>Identity and endpoints of this silo; bound from the <c>Silo</c> configuration section.</summary>
public sealed class SiloHostOptions
{
    public const string Section = "Silo";

    /// <summary>Unique, stable name of this silo (device grains are keyed by it). Defaults to the host name.</summary>
    [Required, RegularExpression("^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
    public string Name { get; set; } = Environment.MachineName;

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Address other silos and clients reach this silo on; empty lets Orleans pick the host's address.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Apply pending schema migrations at start (the embedded default does); otherwise a stale schema stops the silo.</summary>
    public bool MigrateOnStartup { get; set; }
}
