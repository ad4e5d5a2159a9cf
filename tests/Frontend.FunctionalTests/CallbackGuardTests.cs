using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>
/// Job callbacks on a frontend configured as a server is (no loopback allowance): a URL whose host name resolves to
/// loopback passes the submission check and is refused at connect time, and the job says so in our own words.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class CallbackGuardTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_callback_to_a_host_name_that_resolves_to_loopback_is_refused_at_connect_time_and_never_reaches_it()
    {
        using var receiver = new TcpListener(IPAddress.Loopback, 0);
        receiver.Start();
        var port = ((IPEndPoint)receiver.LocalEndpoint).Port;
        var key = await fixture.System.CreateTenantAsync("callbacks-" + Guid.NewGuid().ToString("N")[..6]);
        using var client = fixture.System.Client(key);

        using var created = await client.PostAsJsonAsync("/v1/audio/jobs",
            new { input = "A short job with a callback.", voice = "alloy", response_format = "mp3", callback_url = $"http://localhost:{port}/tts-done" });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
        var job = await Eventually.HoldsAsync(async () => JsonDocument.Parse(await client.GetStringAsync($"/v1/audio/jobs/{id}")).RootElement.Clone(),
            j => j.GetProperty("callback_status").GetString() is { } s && s.StartsWith("failed", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "the callback to give up");

        Assert.Equal("completed", job.GetProperty("status").GetString());
        Assert.Equal("failed after 2 attempts: refused: the host did not resolve to a public internet address, which is all this server calls",
            job.GetProperty("callback_status").GetString());
        Assert.False(receiver.Pending(), "nothing connected to the loopback receiver");
    }

    [Theory]
    [InlineData("http://[::ffff:127.0.0.1]:{0}/done")]
    [InlineData("http://2130706433:{0}/done")]
    [InlineData("http://127.1:{0}/done")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fd00::1]/done")]
    public async Task A_callback_url_spelling_a_reserved_address_is_refused_when_the_job_is_made(string url)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await client.PostAsJsonAsync("/v1/audio/jobs",
            new { input = "Never made.", voice = "alloy", callback_url = string.Format(System.Globalization.CultureInfo.InvariantCulture, url, 9) });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("loopback, private or reserved address", await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }
}
