using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using QwenTts.Storage.Tenants;
using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>Named voices per tenant, quotas, usage metering, and the cluster endpoints.</summary>
[Collection(SystemCollection.Name)]
public sealed class VoicesAndTenantsTests(SystemFixture fixture)
{
    [Fact]
    public async Task A_voice_is_created_listed_used_updated_and_deleted_and_another_tenant_never_sees_it()
    {
        using var acme = fixture.System.Client(fixture.AcmeKey);
        using var globex = fixture.System.Client(fixture.GlobexKey);

        var created = await acme.PostAsJsonAsync("/v1/voices", new { name = "anchor", description = "A calm news anchor", language = "english", seed = 9 });
        var duplicate = await acme.PostAsJsonAsync("/v1/voices", new { name = "anchor", description = "Another", language = "english" });
        var list = await acme.GetFromJsonAsync<JsonElement>("/v1/voices");
        var spoken = await SpeechApi.PostAsync(acme, new { input = "In my own voice.", voice = "anchor", response_format = "wav" });
        var otherGet = await globex.GetAsync("/v1/voices/anchor");
        var otherList = await globex.GetFromJsonAsync<JsonElement>("/v1/voices");
        var otherSpeech = await SpeechApi.PostAsync(globex, new { input = "Not mine.", voice = "anchor", response_format = "wav" });
        var patched = await acme.PatchAsJsonAsync("/v1/voices/anchor", new { description = "A calm news anchor, slower" });
        var patchedText = await patched.Content.ReadAsStringAsync();
        var deleted = await acme.DeleteAsync("/v1/voices/anchor");
        var gone = await acme.GetAsync("/v1/voices/anchor");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/v1/voices/anchor", created.Headers.Location?.ToString());
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Contains(list.GetProperty("data").EnumerateArray(), v => v.GetProperty("name").GetString() == "anchor");
        Assert.Equal(HttpStatusCode.OK, spoken.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherGet.StatusCode);
        Assert.DoesNotContain(otherList.GetProperty("data").EnumerateArray(), v => v.GetProperty("name").GetString() == "anchor");
        Assert.Equal(HttpStatusCode.NotFound, otherSpeech.StatusCode);
        Assert.Contains("not one of your tenant's voices", await SpeechApi.ProblemDetailAsync(otherSpeech), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        var patchedBody = JsonDocument.Parse(patchedText).RootElement;
        Assert.Equal("A calm news anchor, slower", patchedBody.GetProperty("description").GetString());
        Assert.Equal(9UL, patchedBody.GetProperty("seed").GetUInt64());
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task The_request_rate_quota_answers_429_with_retry_after()
    {
        var key = await fixture.System.CreateTenantAsync("slow-" + Guid.NewGuid().ToString("N")[..6], requestsPerMinute: 2);
        using var client = fixture.System.Client(key);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await SpeechApi.PostAsync(client, new { input = "Hi.", voice = "alloy", response_format = "pcm" }));
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], answers.Select(a => a.StatusCode));
        Assert.NotNull(answers[2].Headers.RetryAfter);
        Assert.Contains("2 requests per minute", await SpeechApi.ProblemDetailAsync(answers[2]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_character_quota_refuses_what_does_not_fit_in_todays_allowance()
    {
        var key = await fixture.System.CreateTenantAsync("thrifty-" + Guid.NewGuid().ToString("N")[..6], charactersPerDay: 30);
        using var client = fixture.System.Client(key);

        var fits = await SpeechApi.PostAsync(client, new { input = "Twenty characters ok", voice = "alloy", response_format = "pcm" });
        var overflows = await SpeechApi.PostAsync(client, new { input = "Fifteen chars!!", voice = "alloy", response_format = "pcm" });

        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, overflows.StatusCode);
        Assert.Contains("characters today", await SpeechApi.ProblemDetailAsync(overflows), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_request_is_metered_in_postgres_with_characters_audio_seconds_and_devices()
    {
        var tenant = "metered-" + Guid.NewGuid().ToString("N")[..6];
        var key = await fixture.System.CreateTenantAsync(tenant);
        using var client = fixture.System.Client(key);
        await SpeechApi.PostAsync(client, new { input = "Count me.", voice = "alloy", response_format = "pcm" });
        await SpeechApi.PostAsync(client, new { input = "And me too.", voice = "alloy", response_format = "mp3" });

        await using var dataSource = NpgsqlDataSource.Create(fixture.System.ConnectionString);
        var records = await Eventually.HoldsAsync(() => new UsageStore(dataSource).ListAsync(tenant), r => r.Count == 2, TimeSpan.FromSeconds(20), "two usage records");
        var api = await client.GetFromJsonAsync<JsonElement>("/v1/usage");

        Assert.All(records, r => Assert.Equal("completed", r.Status));
        Assert.Equal(["And me too.".Length, "Count me.".Length], records.Select(r => r.Characters));
        Assert.All(records, r => Assert.True(r.AudioSeconds > 0.1));
        Assert.All(records, r => Assert.Matches("^silo-[ab]/[01](,silo-[ab]/[01])*$", r.Devices));
        Assert.Equal(2, api.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Devices_and_models_list_the_cluster()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        var devices = (await client.GetFromJsonAsync<JsonElement>("/v1/devices")).GetProperty("data").EnumerateArray().ToList();
        var models = (await client.GetFromJsonAsync<JsonElement>("/v1/models")).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();

        Assert.Equal(["silo-a/0", "silo-a/1", "silo-b/0", "silo-b/1"], devices.Select(d => d.GetProperty("id").GetString()));
        Assert.Equal(["ascend", "hygon", "ascend", "hygon"], devices.Select(d => d.GetProperty("kind").GetString()));
        Assert.All(devices, d => Assert.True(d.GetProperty("emulated").GetBoolean()));
        Assert.All(devices, d => Assert.True(d.GetProperty("frames_per_second").GetDouble() > 0));
        Assert.Contains("qwen3-tts", models);
        Assert.Contains("tts-1", models);
    }

    [Fact]
    public async Task The_openapi_document_the_reference_page_and_prometheus_metrics_are_served()
    {
        using var client = fixture.System.Client();
        using var operatorClient = new HttpClient { BaseAddress = fixture.System.System.Frontend!.OperatorAddress };

        var openApi = await client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var reference = await client.GetAsync("/scalar/");
        var metrics = await operatorClient.GetStringAsync("/metrics");

        var paths = openApi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/v1/audio/speech", paths);
        Assert.Contains("/v1/voices/{name}", paths);
        Assert.Contains("/v1/devices", paths);
        Assert.Equal(HttpStatusCode.OK, reference.StatusCode);
        Assert.Contains("qwentts_device_frames_per_second", metrics, StringComparison.Ordinal);
        Assert.Contains("device=\"silo-b/1\"", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dashboard_and_metrics_answer_on_the_operator_port_only_not_on_the_public_api_port()
    {
        var frontend = fixture.System.System.Frontend!;
        using var publicClient = fixture.System.Client();
        using var operatorClient = new HttpClient { BaseAddress = frontend.OperatorAddress };

        var publicMetrics = await publicClient.GetAsync("/metrics");
        var publicDashboard = await publicClient.GetAsync("/dashboard");
        // The port is checked on the connection, so naming the operator port in the Host header changes nothing.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        spoofed.Headers.Host = $"127.0.0.1:{frontend.OperatorAddress!.Port}";
        var spoofedMetrics = await publicClient.SendAsync(spoofed);
        var operatorMetrics = await operatorClient.GetAsync("/metrics");
        var operatorDashboard = await operatorClient.GetAsync("/dashboard");
        var publicCards = await publicClient.GetAsync("/cards");
        var operatorCards = await operatorClient.GetAsync("/cards");

        Assert.Equal(HttpStatusCode.NotFound, publicMetrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, publicDashboard.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, spoofedMetrics.StatusCode);
        Assert.Equal("application/problem+json", publicMetrics.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, operatorMetrics.StatusCode);
        Assert.Contains("qwentts_", await operatorMetrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, operatorDashboard.StatusCode);
        Assert.Equal("text/html", operatorDashboard.Content.Headers.ContentType?.MediaType);

        // The card page: every card of the fixture (two silos of two) with its health.
        Assert.Equal(HttpStatusCode.NotFound, publicCards.StatusCode);
        Assert.Equal(HttpStatusCode.OK, operatorCards.StatusCode);
        Assert.Equal("text/html", operatorCards.Content.Headers.ContentType?.MediaType);
        var cards = await operatorCards.Content.ReadAsStringAsync();
        foreach (var card in new[] { "silo-a/0", "silo-a/1", "silo-b/0", "silo-b/1" })
        {
            Assert.Matches($"<tr class=\"(healthy|degraded|unhealthy)\" data-card=\"{card}\">.*?<td>(healthy|degraded|unhealthy)</td>", cards);
        }
    }
}
