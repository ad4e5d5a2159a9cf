using System.Net;

namespace QwenTts.Frontend.Outbound;

/// <summary>Every server-side request (job callbacks, chat robots) goes through one guard; bound from <c>Outbound</c>.</summary>
public sealed class OutboundOptions
{
    public const string Section = "Outbound";

    /// <summary>
    /// Networks besides the public internet that outbound requests may reach, in CIDR form (e.g. "10.20.0.0/16" for an
    /// internal callback receiver). Empty by default: only public unicast addresses.
    /// </summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>
    /// Test only: also reach loopback (127.0.0.0/8, ::1), where the test suites run their fake receivers and chat tools.
    /// Never set it on a server: a callback URL could then reach anything listening on the frontend's host. Private
    /// and every other reserved range stay refused.
    /// </summary>
    public bool AllowLoopbackForTests { get; set; }

    /// <summary>The longest one connection attempt (DNS and TCP) may take.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IReadOnlyList<IPNetwork> ParsedNetworks() => [.. AllowedNetworks.Select(n => IPNetwork.Parse(n.Trim()))];

    public bool IsValid => ConnectTimeout > TimeSpan.Zero && AllowedNetworks.All(n => IPNetwork.TryParse(n.Trim(), out _));
}
