using System.Net;
using QwenTts.LocalHosting;
using QwenTts.Storage.Tenants;
using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>With the default settings the console gets one line per request (from the frontend) and nothing else at info level.</summary>
[Collection(SystemCollection.Name)]
public sealed class RequestLogTests(SystemFixture fixture)
{
    [Fact]
    public async Task Each_request_is_one_info_line_with_method_path_status_time_tenant_cards_and_request_id()
    {
        var tenant = "logged-" + Guid.NewGuid().ToString("N")[..6];
        var key = await fixture.System.CreateTenantAsync(tenant);
        using var client = fixture.System.Client(key);
        var processes = new[] { fixture.System.System.Frontend! }.Concat(fixture.System.System.Silos).ToList();
        var before = processes.ToDictionary(p => p.Name, p => Lines(p).Length);

        var statuses = new List<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            using var response = await SpeechApi.PostAsync(client, new { input = $"Line number {i}.", voice = "alloy", response_format = "pcm" });
            lock (statuses)
            {
                statuses.Add(response.StatusCode);
            }
        }));
        statuses.Add((await client.GetAsync("/v1/voices")).StatusCode);
        statuses.Add((await SpeechApi.PostRawJsonAsync(client, "/v1/audio/speech", "{")).StatusCode);
        using (var stranger = fixture.System.Client(ApiKeyFormat.NewKey()))
        {
            statuses.Add((await stranger.GetAsync("/v1/voices")).StatusCode);
        }

        var tenantLines = await Eventually.HoldsAsync(() => Task.FromResult(New(fixture.System.System.Frontend!, before)
            .Where(l => l.Contains($"tenant={tenant}", StringComparison.Ordinal)).ToList()), l => l.Count >= 6, TimeSpan.FromSeconds(10), "six request lines");
        await Task.Delay(500);
        var infoLines = processes.SelectMany(p => New(p, before)).Where(l => l.Contains(" info: ", StringComparison.Ordinal)).ToList();

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.BadRequest,
            HttpStatusCode.Unauthorized], statuses);
        Assert.True(infoLines.Count == 7, "one info line per request, nothing else:\n" + string.Join('\n', infoLines));
        Assert.Single(infoLines, l => l.Contains("GET /v1/voices 401", StringComparison.Ordinal) && l.Contains("tenant=-", StringComparison.Ordinal));
        Assert.Equal(4, tenantLines.Count(l => System.Text.RegularExpressions.Regex.IsMatch(l,
            @"RequestId:\S+ POST /v1/audio/speech 200 \d+ ms tenant=\S+ cards=silo-[ab]/[01]")));
        Assert.Single(tenantLines, l => l.Contains("GET /v1/voices 200", StringComparison.Ordinal) && l.Contains("RequestId:", StringComparison.Ordinal));
        Assert.Single(tenantLines, l => l.Contains("POST /v1/audio/speech 400", StringComparison.Ordinal) && l.Contains("cards=-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_audio_link_is_logged_by_its_route_never_its_token()
    {
        var token = "CfDJ8" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        var frontend = fixture.System.System.Frontend!;
        var before = new Dictionary<string, int> { [frontend.Name] = Lines(frontend).Length };
        using var anonymous = new HttpClient { BaseAddress = fixture.System.Frontend };

        using var response = await anonymous.GetAsync("/v1/audio/links/" + token);
        var line = await Eventually.HoldsAsync(() => Task.FromResult(New(frontend, before).FirstOrDefault(l => l.Contains("/v1/audio/links/", StringComparison.Ordinal))),
            l => l is not null, TimeSpan.FromSeconds(10), "the link's request line");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("GET /v1/audio/links/{token} 404", line, StringComparison.Ordinal);
        Assert.DoesNotContain(token, string.Join('\n', New(frontend, before)), StringComparison.Ordinal);
    }

    private static string[] Lines(RunningService service) => service.Process.Output.Split('\n');

    private static IEnumerable<string> New(RunningService service, Dictionary<string, int> before) => Lines(service).Skip(before[service.Name]);
}
