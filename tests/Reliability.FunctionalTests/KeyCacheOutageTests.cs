using System.Net;
using System.Net.Http.Headers;
using Npgsql;
using QwenTts.Storage.Tenants;
using QwenTts.TestSupport;

namespace QwenTts.Reliability.FunctionalTests;

/// <summary>The frontend's key cache: revocations apply at the next refresh; a restart during an outage uses the snapshot.</summary>
public sealed class KeyCacheOutageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_frontend_restarted_while_postgres_is_down_serves_the_keys_it_knew_and_refuses_a_revoked_one()
    {
        var snapshots = Path.Combine(Path.GetTempPath(), "qwentts-key-snapshot-" + Guid.NewGuid().ToString("N")[..8]);
        var empty = snapshots + "-empty";
        string[] arguments = ["--Auth:KeyRefreshInterval=00:00:01", "--Auth:KeySnapshotDirectory=" + snapshots];
        await using var system = await EmulatedSystem.StartAsync(silos: 1, frontendArguments: arguments);
        var kept = await system.CreateTenantAsync("kept");
        var leaving = await system.CreateTenantAsync("leaving");
        Assert.Equal(HttpStatusCode.OK, (await ModelsAsync(system.Frontend, kept)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ModelsAsync(system.Frontend, leaving)).StatusCode);

        await using (var dataSource = NpgsqlDataSource.Create(system.ConnectionString))
        {
            Assert.Equal(1, await new TenantStore(dataSource).RevokeKeyAsync(ApiKeyFormat.Prefix(leaving)));
        }

        await Eventually.HoldsAsync(async () => (await ModelsAsync(system.Frontend, leaving)).StatusCode, s => s == HttpStatusCode.Unauthorized,
            TimeSpan.FromSeconds(20), "the revoked key refused after the next refresh");
        var snapshot = await Eventually.HoldsAsync(() => ReadAsync(Path.Combine(snapshots, "api-key-snapshot.json")),
            text => text.Contains("\"revoked\":true", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "a snapshot that knows the revocation");
        Assert.Contains(ApiKeyFormat.HashHex(kept), snapshot, StringComparison.Ordinal);
        Assert.DoesNotContain(kept, snapshot, StringComparison.Ordinal);
        Assert.DoesNotContain(leaving, snapshot, StringComparison.Ordinal);

        // The frontend restarts while PostgreSQL is down: it has only its snapshot.
        await system.System.Frontend!.Process.StopAsync(TimeSpan.FromSeconds(30));
        await system.Postgres.StopAsync();
        var restarted = await system.System.StartFrontendAsync(extraArguments: arguments, waitUntilReady: false);
        var keptAnswer = await ModelsAsync(restarted.BaseAddress, kept);
        var leavingAnswer = await ModelsAsync(restarted.BaseAddress, leaving);
        var unseenAnswer = await ModelsAsync(restarted.BaseAddress, ApiKeyFormat.NewKey());
        output.WriteLine(string.Join('\n', restarted.Process.Output.Split('\n').Where(l => l.Contains("snapshot", StringComparison.Ordinal))));

        Assert.Equal(HttpStatusCode.OK, keptAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, leavingAnswer.StatusCode);
        Assert.Contains("revoked", await ProblemDetailAsync(leavingAnswer), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unseenAnswer.StatusCode);
        Assert.NotNull(unseenAnswer.Headers.RetryAfter);
        Assert.Contains("has not seen this key", await ProblemDetailAsync(unseenAnswer), StringComparison.Ordinal);
        Assert.Contains("API key hashes from the snapshot", restarted.Process.Output, StringComparison.Ordinal);

        // Without a snapshot the frontend says so, and refuses every key with 503 until PostgreSQL answers.
        await restarted.Process.StopAsync(TimeSpan.FromSeconds(30));
        var bare = await system.System.StartFrontendAsync(extraArguments: ["--Auth:KeySnapshotDirectory=" + empty], waitUntilReady: false);
        var bareAnswer = await ModelsAsync(bare.BaseAddress, kept);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, bareAnswer.StatusCode);
        Assert.Contains("No API key snapshot at", bare.Process.Output, StringComparison.Ordinal);

        await system.Postgres.StartAgainAsync();
        await Eventually.HoldsAsync(async () => (await ModelsAsync(bare.BaseAddress, kept)).StatusCode, s => s == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30), "the key served once PostgreSQL is back");
        Directory.Delete(snapshots, recursive: true);
    }

    private static async Task<HttpResponseMessage> ModelsAsync(Uri frontend, string key)
    {
        using var client = new HttpClient { BaseAddress = frontend, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var response = await client.GetAsync("/v1/models");
        await response.Content.LoadIntoBufferAsync();
        return response;
    }

    private static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("detail").GetString() ?? "";
    }

    private static async Task<string> ReadAsync(string path) => File.Exists(path) ? await File.ReadAllTextAsync(path) : "";
}
