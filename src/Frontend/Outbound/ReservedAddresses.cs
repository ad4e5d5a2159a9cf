using System.Net;
using System.Net.Sockets;

namespace QwenTts.Frontend.Outbound;

/// <summary>
/// Which addresses a server-side request may reach: only public unicast. Everything an operator's network or the host
/// itself answers on (loopback, RFC 1918, carrier-grade NAT, link-local with the cloud metadata service, unique-local,
/// multicast, "this network", documentation and benchmark ranges) is refused, in every spelling an address can take:
/// an IPv4 address inside IPv6 (mapped, compatible, NAT64, 6to4, Teredo) is judged as the IPv4 address it carries.
/// </summary>
public static class ReservedAddresses
{
    private static readonly (IPNetwork Network, string Name)[] V4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "this network"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "carrier-grade NAT"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "6to4 relay"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"),
    ];

    private static readonly IPNetwork GlobalUnicastV6 = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Teredo = IPNetwork.Parse("2001::/32");

    private static readonly (IPNetwork Network, string Name)[] V6 =
    [
        (IPNetwork.Parse("2001::/23"), "IETF protocol assignments"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("3fff::/20"), "documentation"),
    ];

    /// <summary>Null for a public unicast address; otherwise the kind of address it is ("loopback", "private", ...).</summary>
    public static string? Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return ClassifyV4(address);
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return "not an IP address";
        }

        // The IPv4 address inside: ::ffff:a.b.c.d, the deprecated ::a.b.c.d, NAT64's 64:ff9b::a.b.c.d and 6to4's
        // 2002:aabb:ccdd::. Each reaches the IPv4 host it names, so it is judged as that host.
        if (address.IsIPv4MappedToIPv6)
        {
            return ClassifyV4(address.MapToIPv4());
        }

        var bytes = address.GetAddressBytes();
        if (IsZero(bytes, 0, 12))
        {
            // ::, ::1 and ::a.b.c.d (IPv4-compatible, deprecated): none is a public IPv6 host.
            return bytes.AsSpan(12).IndexOfAnyExcept((byte)0) < 0 ? "unspecified" : IPAddress.IsLoopback(address) ? "loopback" : "IPv4-compatible";
        }

        if (Nat64.Contains(address))
        {
            return ClassifyV4(new IPAddress(bytes.AsSpan(12, 4)));
        }

        if (SixToFour.Contains(address))
        {
            return ClassifyV4(new IPAddress(bytes.AsSpan(2, 4)));
        }

        if (Teredo.Contains(address))
        {
            return "Teredo tunnel";
        }

        if (!GlobalUnicastV6.Contains(address))
        {
            // fc00::/7 unique-local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast, 64:ff9b:1::/48,
            // 100::/64 discard: nothing outside 2000::/3 is a public unicast address.
            return address.IsIPv6Multicast ? "multicast"
                : address.IsIPv6LinkLocal ? "link-local"
                : address.IsIPv6UniqueLocal ? "unique-local"
                : address.IsIPv6SiteLocal ? "site-local"
                : "reserved";
        }

        foreach (var (network, name) in V6)
        {
            if (network.Contains(address))
            {
                return name;
            }
        }

        return null;
    }

    private static string? ClassifyV4(IPAddress address)
    {
        if (address.Equals(IPAddress.Broadcast))
        {
            return "broadcast";
        }

        foreach (var (network, name) in V4)
        {
            if (network.Contains(address))
            {
                return name;
            }
        }

        return null;
    }

    /// <summary>True for loopback in any spelling (127.0.0.0/8, ::1, ::ffff:127.x.x.x).</summary>
    public static bool IsLoopback(IPAddress address) =>
        IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    private static bool IsZero(byte[] bytes, int start, int count) => bytes.AsSpan(start, count).IndexOfAnyExcept((byte)0) < 0;
}
