using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using QwenTts.Frontend.Outbound;

namespace QwenTts.Frontend.UnitTests.Outbound;

/// <summary>
/// The connect-time guard on the real HTTP path (SocketsHttpHandler, a real loopback server) and with a resolver the
/// test controls for names that resolve to private addresses: the refusal comes before any connection is attempted.
/// </summary>
public sealed class OutboundGuardTests
{
    [Theory]
    [InlineData("localhost")] // resolves to loopback through the system's own resolver
    [InlineData("127.0.0.1")]
    [InlineData("127.1")]
    [InlineData("2130706433")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("[::1]")]
    [InlineData("[::ffff:127.0.0.1]")]
    public async Task Loopback_in_any_spelling_is_refused_on_the_real_network_path_and_never_reached(string host)
    {
        await using var server = await LoopbackHttpServer.StartAsync(_ => Results.Ok());
        var guard = Guard(new OutboundOptions());
        using var client = new HttpClient(guard.CreateHandler());

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://{host}:{server.Port}/hook"));

        Assert.IsType<OutboundRequestRefusedException>(failure.InnerException);
        Assert.Equal(OutboundGuard.RefusalText, OutboundFailure.Describe(failure));
        Assert.Equal(0, server.Requests);
    }

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("172.20.1.1")]
    [InlineData("192.168.0.10")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.12.1")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("fd00::10")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:10.0.0.5")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public async Task A_host_name_that_resolves_to_a_reserved_address_is_refused_before_any_connection(string resolvesTo)
    {
        var connections = new ConcurrentQueue<IPAddress[]>();
        var guard = Guard(new OutboundOptions(), Resolves(("receiver.example.test", [IPAddress.Parse(resolvesTo)])), Recording(connections));
        using var client = new HttpClient(guard.CreateHandler());

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://receiver.example.test/hook"));

        Assert.Equal(OutboundGuard.RefusalText, OutboundFailure.Describe(failure));
        Assert.DoesNotContain(resolvesTo, OutboundFailure.Describe(failure), StringComparison.Ordinal);
        Assert.Empty(connections);
    }

    [Fact]
    public async Task A_name_with_one_public_and_one_private_answer_is_refused()
    {
        var connections = new ConcurrentQueue<IPAddress[]>();
        var guard = Guard(new OutboundOptions(),
            Resolves(("mixed.example.test", [IPAddress.Parse("93.184.215.14"), IPAddress.Parse("10.0.0.1")])), Recording(connections));
        using var client = new HttpClient(guard.CreateHandler());

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("https://mixed.example.test/hook"));

        Assert.Empty(connections);
    }

    [Fact]
    public async Task A_public_answer_is_connected_to_exactly_the_checked_addresses()
    {
        var connections = new ConcurrentQueue<IPAddress[]>();
        var guard = Guard(new OutboundOptions(), Resolves(("public.example.test", [IPAddress.Parse("93.184.215.14")])), Recording(connections));
        using var client = new HttpClient(guard.CreateHandler());

        // The recording connector refuses the connection itself, so nothing leaves this process either way.
        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://public.example.test/hook"));

        Assert.Equal([IPAddress.Parse("93.184.215.14")], Assert.Single(connections));
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_reads_the_same_as_a_private_one()
    {
        var guard = Guard(new OutboundOptions(), (_, _) => Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound)));
        using var client = new HttpClient(guard.CreateHandler());

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://db.internal.example.test/"));

        Assert.Equal(OutboundGuard.RefusalText, OutboundFailure.Describe(failure));
    }

    [Fact]
    public async Task Redirects_are_not_followed()
    {
        await using var landing = await LoopbackHttpServer.StartAsync(_ => Results.Ok("landed"));
        await using var redirecting = await LoopbackHttpServer.StartAsync(_ => Results.Redirect($"http://127.0.0.1:{landing.Port}/landing"));
        // Loopback allowed (test only) so the redirecting server can be reached at all; the redirect target is allowed too,
        // so only the handler's refusal to follow keeps the request from landing.
        var guard = Guard(new OutboundOptions { AllowLoopbackForTests = true });
        using var client = new HttpClient(guard.CreateHandler());

        using var response = await client.PostAsync($"http://127.0.0.1:{redirecting.Port}/hook", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("HTTP 302 (redirects are not followed)", OutboundFailure.Status(response.StatusCode));
        Assert.Equal(1, redirecting.Requests);
        Assert.Equal(0, landing.Requests);
    }

    [Theory]
    [InlineData("10.0.0.5")]
    [InlineData("169.254.169.254")]
    [InlineData("192.168.1.1")]
    [InlineData("fd00::1")]
    [InlineData("0.0.0.0")]
    public async Task The_test_only_loopback_allowance_still_refuses_every_other_reserved_address(string resolvesTo)
    {
        var connections = new ConcurrentQueue<IPAddress[]>();
        var guard = Guard(new OutboundOptions { AllowLoopbackForTests = true }, Resolves(("receiver.example.test", [IPAddress.Parse(resolvesTo)])),
            Recording(connections));
        using var client = new HttpClient(guard.CreateHandler());

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://receiver.example.test/"));

        Assert.Empty(connections);
    }

    [Fact]
    public async Task An_allowed_network_is_reached_and_its_neighbours_are_not()
    {
        var connections = new ConcurrentQueue<IPAddress[]>();
        var guard = Guard(new OutboundOptions { AllowedNetworks = ["10.20.0.0/16"] },
            Resolves(("inside.example.test", [IPAddress.Parse("10.20.1.2")]), ("outside.example.test", [IPAddress.Parse("10.21.0.1")])),
            Recording(connections));
        using var client = new HttpClient(guard.CreateHandler());

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://inside.example.test/"));
        var outside = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://outside.example.test/"));

        Assert.Equal([IPAddress.Parse("10.20.1.2")], Assert.Single(connections));
        Assert.Equal(OutboundGuard.RefusalText, OutboundFailure.Describe(outside));
    }

    private static OutboundGuard Guard(OutboundOptions options, OutboundGuard.Resolver? resolve = null, OutboundGuard.Connector? connect = null) =>
        new(options, NullLogger<OutboundGuard>.Instance, resolve, connect);

    /// <summary>A resolver the test controls: each name answers with its addresses; any other name does not resolve.</summary>
    private static OutboundGuard.Resolver Resolves(params (string Host, IPAddress[] Addresses)[] answers) => (host, _) =>
        answers.FirstOrDefault(a => a.Host == host) is { Addresses: { } addresses }
            ? Task.FromResult(addresses)
            : Task.FromException<IPAddress[]>(new SocketException((int)SocketError.HostNotFound));

    /// <summary>Records what the guard would connect to and connects to nothing.</summary>
    private static OutboundGuard.Connector Recording(ConcurrentQueue<IPAddress[]> connections) => (addresses, _, _) =>
    {
        connections.Enqueue(addresses);
        return ValueTask.FromException<Stream>(new SocketException((int)SocketError.ConnectionRefused));
    };
}
