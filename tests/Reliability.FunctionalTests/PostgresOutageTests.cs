using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using QwenTts.Storage.Tenants;
using QwenTts.TestSupport;

namespace QwenTts.Reliability.FunctionalTests;

/// <summary>PostgreSQL stopped for a while, and the whole system restarted.</summary>
public sealed class PostgresOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task While_postgres_is_down_known_voices_still_speak_writes_fail_clearly_and_everything_recovers_by_itself()
    {
        // The frontend asks PostgreSQL every second (qwentts_postgres_up, what the alert QwenTtsPostgresUnreachable reads).
        await using var system = await EmulatedSystem.StartAsync(frontendArguments: ["--Storage:Probe:Interval=00:00:01"]);
        const string tenant = "outage";
        var key = await system.CreateTenantAsync(tenant);
        using var client = system.Client(key);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/voices", new { name = "anchor", description = "A calm anchor", language = "english" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/audio/speech", new { input = "Before.", voice = "anchor", response_format = "pcm" })).StatusCode);

        await system.Postgres.StopAsync();
        var speakKnown = await client.PostAsJsonAsync("/v1/audio/speech", new { input = "During the outage.", voice = "anchor", response_format = "pcm" });
        var speakBuiltin = await client.PostAsJsonAsync("/v1/audio/speech", new { input = "Built in voice.", voice = "nova", response_format = "wav" });
        var createVoice = await client.PostAsJsonAsync("/v1/voices", new { name = "newcomer", description = "Someone new", language = "english" });
        var ready = await system.Client().GetAsync("/readyz");
        output.WriteLine($"during outage: known voice {(int)speakKnown.StatusCode}, built-in {(int)speakBuiltin.StatusCode}, create {(int)createVoice.StatusCode}, readyz {(int)ready.StatusCode}");
        output.WriteLine(await createVoice.Content.ReadAsStringAsync());
        output.WriteLine(string.Join('\n', system.System.Frontend!.Process.Output.Split('\n')
            .Where(l => l.Contains("fail", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)).Take(30)));

        Assert.Equal(HttpStatusCode.OK, speakKnown.StatusCode);
        Assert.True((await speakKnown.Content.ReadAsByteArrayAsync()).Length > 0);
        Assert.Equal(HttpStatusCode.OK, speakBuiltin.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, createVoice.StatusCode);
        Assert.Equal("application/problem+json", createVoice.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        await Eventually.HoldsAsync(() => PostgresUpAsync(system), up => up == "0", TimeSpan.FromSeconds(20), "qwentts_postgres_up 0 during the outage");

        await Task.Delay(TimeSpan.FromSeconds(3));
        await system.Postgres.StartAgainAsync();
        var recovery = System.Diagnostics.Stopwatch.StartNew();

        // Recovery without any operator action: readiness, writes and the usage written during the outage.
        await Eventually.HoldsAsync(async () => (await system.Client().GetAsync("/readyz")).StatusCode, s => s == HttpStatusCode.OK,
            TimeSpan.FromSeconds(60), "readiness after the outage");
        var created = await Eventually.HoldsAsync(
            async () => (await client.PostAsJsonAsync("/v1/voices", new { name = "newcomer", description = "Someone new", language = "english" })).StatusCode,
            s => s is HttpStatusCode.Created or HttpStatusCode.Conflict, TimeSpan.FromSeconds(60), "voice creation after the outage");
        await using var dataSource = NpgsqlDataSource.Create(system.ConnectionString);
        var usage = await Eventually.HoldsAsync(() => new UsageStore(dataSource).ListAsync(tenant), r => r.Count >= 3, TimeSpan.FromSeconds(90),
            "the usage of requests made during the outage");
        var voices = await client.GetFromJsonAsync<JsonElement>("/v1/voices");
        output.WriteLine($"recovered (ready, writes, usage flushed) {recovery.Elapsed.TotalSeconds:F1} s after PostgreSQL came back");

        Assert.Equal("1", await Eventually.HoldsAsync(() => PostgresUpAsync(system), up => up == "1", TimeSpan.FromSeconds(20), "qwentts_postgres_up 1 again"));
        Assert.Contains(created, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict });
        Assert.Equal(3, usage.Count(u => u.Status == "completed"));
        Assert.Equal(["anchor", "newcomer"], voices.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
    }

    /// <summary>The value of qwentts_postgres_up on the frontend's /metrics (its operator port), or null while absent.</summary>
    private static async Task<string?> PostgresUpAsync(EmulatedSystem system)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = await http.GetStringAsync(new Uri(system.System.Frontend!.OperatorAddress!, "/metrics"));
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("qwentts_postgres_up", StringComparison.Ordinal));
        var sample = line?.Contains('}') == true ? line[(line.IndexOf('}') + 1)..] : line?["qwentts_postgres_up".Length..];
        return sample?.Trim().Split(' ')[0]; // the value (a timestamp may follow)
    }

    [Fact]
    public async Task While_postgres_is_down_a_tenant_voice_that_cannot_be_read_is_a_503_never_the_builtin_voice_of_that_name()
    {
        await using var system = await EmulatedSystem.StartAsync(silos: 1);
        var key = await system.CreateTenantAsync("shadowing");
        using var client = system.Client(key);
        Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/voices", new { name = "nova", description = "The tenant's own nova, a deep old man", language = "english" })).StatusCode);

        // A fresh silo holds no voice in memory: during the outage the tenant's "nova" (and its voice list) cannot be read.
        var spec = new LocalHosting.SiloSpec("silo-b", EmulatedSystem.SiloArguments(system.ModelDirectory, new EmulatedSystem.CardSettings()));
        await system.System.StartSiloAsync(spec);
        await system.System.Silos.Single(s => s.Name == "silo-a").Process.StopAsync(TimeSpan.FromSeconds(60));
        await system.WaitForCardsAsync(2);
        await system.Postgres.StopAsync();

        var spoken = await client.PostAsJsonAsync("/v1/audio/speech", new { input = "Who is speaking?", voice = "nova", response_format = "pcm" });
        var body = await spoken.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)spoken.StatusCode} {spoken.Content.Headers.ContentType}: {body}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, spoken.StatusCode);
        Assert.Equal("application/problem+json", spoken.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(spoken.Headers.RetryAfter);
        Assert.Contains("unavailable", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task After_a_full_restart_every_named_voice_and_usage_record_is_still_there()
    {
        await using var system = await EmulatedSystem.StartAsync(silos: 1);
        const string tenant = "durable";
        var key = await system.CreateTenantAsync(tenant);
        using (var client = system.Client(key))
        {
            foreach (var name in new[] { "alpha", "beta", "gamma" })
            {
                Assert.Equal(HttpStatusCode.Created, (await client.PostAsJsonAsync("/v1/voices", new { name, description = $"Voice {name}", language = "english" })).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/audio/speech", new { input = $"I am {name}.", voice = name, response_format = "pcm" })).StatusCode);
            }
        }

        // Everything down (frontend first, so its usage queue flushes), then everything up on the same database.
        await system.System.StopAsync();
        var restarted = new LocalHosting.LocalSystem(new LocalHosting.LocalSystemOptions { ClusterId = system.ClusterId });
        restarted.AttachDatabase(system.ConnectionString);
        await using (restarted)
        {
            await restarted.StartSiloAsync(new LocalHosting.SiloSpec("silo-z", EmulatedSystem.SiloArguments(system.ModelDirectory, new EmulatedSystem.CardSettings())));
            await restarted.StartFrontendAsync();
            using var client = new HttpClient { BaseAddress = restarted.Frontend!.BaseAddress };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);

            var voices = await client.GetFromJsonAsync<JsonElement>("/v1/voices");
            var usage = await client.GetFromJsonAsync<JsonElement>("/v1/usage");
            var spoken = await client.PostAsJsonAsync("/v1/audio/speech", new { input = "Still me.", voice = "beta", response_format = "pcm" });

            Assert.Equal(["alpha", "beta", "gamma"], voices.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
            Assert.Equal(3, usage.GetProperty("data").GetArrayLength());
            Assert.Equal(HttpStatusCode.OK, spoken.StatusCode);
        }
    }
}
