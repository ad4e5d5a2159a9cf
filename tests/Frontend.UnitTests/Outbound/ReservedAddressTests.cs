using System.Net;
using QwenTts.Frontend.Outbound;

namespace QwenTts.Frontend.UnitTests.Outbound;

/// <summary>Which addresses a server-side request may reach: public unicast only, whatever the spelling.</summary>
public sealed class ReservedAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.1", "loopback")] // inet_aton's short forms and other bases, as resolvers and URL parsers read them
    [InlineData("2130706433", "loopback")]
    [InlineData("0x7f000001", "loopback")]
    [InlineData("0177.0.0.1", "loopback")]
    [InlineData("0.0.0.0", "this network")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.254", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("100.127.255.254", "carrier-grade NAT")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("240.0.0.1", "reserved")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("192.0.2.10", "documentation")]
    [InlineData("198.18.0.1", "benchmarking")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:7f00:1", "loopback")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("::ffff:169.254.169.254", "link-local")]
    [InlineData("::127.0.0.1", "IPv4-compatible")]
    [InlineData("64:ff9b::a00:1", "private")] // NAT64 of 10.0.0.1
    [InlineData("2002:7f00:1::", "loopback")] // 6to4 of 127.0.0.1
    [InlineData("2001::1", "Teredo tunnel")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("fc00::1", "unique-local")]
    [InlineData("fd12:3456::1", "unique-local")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("100::1", "reserved")]
    [InlineData("2001:db8::1", "documentation")]
    public void Reserved_addresses_are_refused_in_every_spelling(string spelled, string kind)
    {
        Assert.Equal(kind, ReservedAddresses.Classify(IPAddress.Parse(spelled)));
    }

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("1.1.1.1")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700:4700::1111")]
    [InlineData("2a00:1450:4001:80b::200e")]
    [InlineData("::ffff:8.8.8.8")]
    [InlineData("64:ff9b::808:808")] // NAT64 of 8.8.8.8
    public void Public_unicast_addresses_pass(string spelled)
    {
        Assert.Null(ReservedAddresses.Classify(IPAddress.Parse(spelled)));
    }
}
