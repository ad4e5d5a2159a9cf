using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Jobs;
using QwenTts.Frontend.Outbound;
using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Frontend.UnitTests.Outbound;

/// <summary>Job callbacks: refused at submission when the URL spells a reserved address; a status in our own words when sent.</summary>
public sealed class CallbackTests
{
    private static readonly IOptions<CallbackOptions> Callbacks = Options.Create(new CallbackOptions { SigningKey = "test-key", Timeout = TimeSpan.FromSeconds(5) });

    [Theory]
    [InlineData("http://127.0.0.1/done")]
    [InlineData("http://127.1:8080/done")]
    [InlineData("http://2130706433/done")]
    [InlineData("http://0x7f.0.0.1/done")]
    [InlineData("http://0177.0.0.1/done")]
    [InlineData("http://[::1]/done")]
    [InlineData("http://[::ffff:127.0.0.1]/done")]
    [InlineData("http://[::]/done")]
    [InlineData("http://0.0.0.0/done")]
    [InlineData("http://0/done")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::ffff:169.254.169.254]/latest/meta-data/")]
    [InlineData("https://10.1.2.3/done")]
    [InlineData("https://100.64.0.1/done")]
    [InlineData("https://192.168.1.20/done")]
    [InlineData("https://[fd00::1]/done")]
    [InlineData("https://[fe80::1]/done")]
    [InlineData("http://224.0.0.1/done")]
    public void A_callback_url_spelling_a_reserved_address_is_refused_when_the_job_is_made(string url)
    {
        var urls = new CallbackUrls(Callbacks, new OutboundGuard(new OutboundOptions(), NullLogger<OutboundGuard>.Instance));

        Assert.Contains("loopback, private or reserved address", urls.Check(url), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://example.com/tts-done")]
    [InlineData("http://93.184.215.14:8080/done")]
    [InlineData("https://[2606:4700:4700::1111]/done")]
    [InlineData("http://localhost:9000/done")] // a name: resolved and checked by the guard when the callback is sent
    public void A_public_address_or_a_host_name_is_accepted_when_the_job_is_made(string url)
    {
        var urls = new CallbackUrls(Callbacks, new OutboundGuard(new OutboundOptions(), NullLogger<OutboundGuard>.Instance));

        Assert.Null(urls.Check(url));
    }

    [Fact]
    public async Task Callback_status_is_our_own_words_and_the_HTTP_status_never_the_networks_text()
    {
        await using var failing = await LoopbackHttpServer.StartAsync(_ => Results.StatusCode(500));
        await using var redirecting = await LoopbackHttpServer.StartAsync(_ => Results.Redirect("http://169.254.169.254/latest/meta-data/"));
        await using var accepting = await LoopbackHttpServer.StartAsync(_ => Results.Ok());
        using var garbage = new TcpListener(IPAddress.Loopback, 0);
        garbage.Start();
        var answeringGarbage = AnswerGarbageAsync(garbage);
        var closedPort = LoopbackHttpServer.FreePort();

        // Loopback allowed (test only) so that real receivers on this host can answer; the strict guard refuses the last one.
        var sender = Sender(new OutboundOptions { AllowLoopbackForTests = true });
        var strict = Sender(new OutboundOptions());

        var failed = await sender.SendAsync(Job($"http://127.0.0.1:{failing.Port}/done"), 1, CancellationToken.None);
        var redirected = await sender.SendAsync(Job($"http://127.0.0.1:{redirecting.Port}/done"), 2, CancellationToken.None);
        var delivered = await sender.SendAsync(Job($"http://127.0.0.1:{accepting.Port}/done"), 3, CancellationToken.None);
        var refusedConnection = await sender.SendAsync(Job($"http://127.0.0.1:{closedPort}/done"), 1, CancellationToken.None);
        var notHttp = await sender.SendAsync(Job($"http://127.0.0.1:{((IPEndPoint)garbage.LocalEndpoint).Port}/done"), 1, CancellationToken.None);
        var refusedByGuard = await strict.SendAsync(Job($"http://localhost:{accepting.Port}/done"), 1, CancellationToken.None);

        Assert.Equal((false, "HTTP 500"), failed);
        Assert.Equal((false, "HTTP 302 (redirects are not followed)"), redirected);
        Assert.Equal((true, "delivered (attempt 3, 200)"), delivered);
        Assert.Equal((false, "could not connect"), refusedConnection);
        Assert.Equal((false, "the answer was not valid HTTP"), notHttp);
        Assert.Equal((false, OutboundGuard.RefusalText), refusedByGuard);
        Assert.Equal(1, accepting.Requests); // the strict sender never reached it
        garbage.Stop();
        await answeringGarbage;
    }

    private static CallbackSender Sender(OutboundOptions outbound)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(new OutboundGuard(outbound, NullLogger<OutboundGuard>.Instance));
        services.AddGuardedHttpClient(CallbackSender.ClientName);
        var clients = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new CallbackSender(clients, new CallbackSigner(Callbacks), Callbacks, TimeProvider.System);
    }

    private static AudioJobView Job(string callbackUrl) => new("job_0123456789abcdef0123456789abcdef", "acme", AudioJobStatus.Completed, 1, 1, null,
        DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1), "mp3", 5, 1.0, 100, ["silo-a/0"], callbackUrl, null);

    /// <summary>A server that answers anything with bytes that are not HTTP, then hangs up.</summary>
    private static async Task AnswerGarbageAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                using var connection = await listener.AcceptTcpClientAsync();
                await connection.GetStream().WriteAsync(Encoding.ASCII.GetBytes("SSH-2.0-OpenSSH_9.2 internal-build-host\r\n\r\n"));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }
}
