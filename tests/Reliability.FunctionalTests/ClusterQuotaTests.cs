using System.Net;
using System.Net.Http.Json;
using Npgsql;
using QwenTts.Storage.Tenants;
using QwenTts.TestSupport;

namespace QwenTts.Reliability.FunctionalTests;

/// <summary>
/// Quotas held by one grain per tenant: two frontend processes draw from the same allowance, and characters of a
/// request the cluster refused (503) go back. One silo with two single-slot cards, no queue and no admission wait, so a
/// burst is refused.
/// </summary>
public sealed class ClusterQuotaTests(ITestOutputHelper output)
{
    private const string Sentence = "Quota check sentence.";

    [Fact]
    public async Task Two_frontends_share_one_tenants_quota_exactly_and_refused_requests_use_no_characters()
    {
        // Requests that find no room are refused at once rather than wait for it, so a burst is refused.
        string[] refuseAtOnce = ["--Routing:AdmissionTimeout=00:00:00"];
        await using var system = await EmulatedSystem.StartAsync(silos: 1, cards: new EmulatedSystem.CardSettings(MaxConcurrent: 1, QueueLimit: 0),
            frontendArguments: refuseAtOnce);
        await system.System.StartFrontendAsync(extraArguments: refuseAtOnce);
        var frontends = system.System.Frontends.Select(f => f.BaseAddress).ToArray();
        Assert.Equal(2, frontends.Length);

        // Requests per minute: 6 for the tenant, 16 sent at once alternating between the frontends. Each frontend on its
        // own would admit 6; together exactly 6 pass the rate check (the bucket refills one every 10 s, far longer).
        var rateKey = await system.CreateTenantAsync("rate", requestsPerMinute: 6);
        var burst = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => SpeakAsync(frontends[i % 2], rateKey)));
        output.WriteLine("rate burst: " + string.Join(" ", burst));
        Assert.Equal(10, burst.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.All(burst.Where(s => s != HttpStatusCode.TooManyRequests), s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));

        // Characters per day: room for exactly 6 sentences. A burst of 12 over two cards with one slot each is mostly
        // refused by the cluster (503); those characters come back, so exactly 6 sentences are spoken over the day.
        var charactersKey = await system.CreateTenantAsync("characters", charactersPerDay: 6 * Sentence.Length);
        var first = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => SpeakAsync(frontends[i % 2], charactersKey)));
        output.WriteLine("character burst: " + string.Join(" ", first));
        Assert.Contains(HttpStatusCode.ServiceUnavailable, first);
        Assert.All(first, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable, HttpStatusCode.TooManyRequests }));

        var later = new List<HttpStatusCode>();
        for (var i = 0; i < 8 && later.LastOrDefault() != HttpStatusCode.TooManyRequests; i++)
        {
            later.Add(await SpeakAsync(frontends[i % 2], charactersKey));
        }

        output.WriteLine("one at a time: " + string.Join(" ", later));
        Assert.Equal(HttpStatusCode.TooManyRequests, later[^1]);
        Assert.Equal(6, first.Concat(later).Count(s => s == HttpStatusCode.OK));

        // The metered usage agrees: the six spoken sentences, refused ones at zero characters.
        await using var dataSource = NpgsqlDataSource.Create(system.ConnectionString);
        var usage = await Eventually.HoldsAsync(() => new UsageStore(dataSource).ListAsync("characters"),
            r => r.Count == first.Concat(later).Count(s => s != HttpStatusCode.TooManyRequests), TimeSpan.FromSeconds(20), "every admitted request metered");
        Assert.Equal(6 * Sentence.Length, usage.Sum(u => u.Characters));
        Assert.All(usage.Where(u => u.Status == "refused"), u => Assert.Equal(0, u.Characters));
    }

    private static async Task<HttpStatusCode> SpeakAsync(Uri frontend, string key)
    {
        using var client = new HttpClient { BaseAddress = frontend, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var response = await client.PostAsJsonAsync("/v1/audio/speech", new { input = Sentence, voice = "alloy", response_format = "pcm" });
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode == HttpStatusCode.OK)
        {
            Assert.Equal("audio/pcm", response.Content.Headers.ContentType?.MediaType);
            Assert.NotEmpty(body);
        }
        else
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        return response.StatusCode;
    }
}
