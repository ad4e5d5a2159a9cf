using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using QwenTts.Grains.Interfaces.Robots;
using QwenTts.TestSupport;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>
/// Secrets shared safely between frontends (the Data Protection key ring in PostgreSQL), a robot whose credentials do
/// not open is a failure with a reason, and a job that ends without audio gives its characters back.
/// </summary>
[Collection(JobSystemCollection.Name)]
public sealed class TrustTests(JobSystemFixture fixture, ITestOutputHelper output)
{
    private const string Notice = "The release is out. Thanks, everyone!";

    [Fact]
    public async Task Robot_credentials_sealed_by_one_frontend_open_on_another_without_a_shared_folder()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var apiKey = await fixture.System.CreateTenantAsync("sealed-" + id);
        var (token, secret) = ($"dt-{id}", $"SEC{id}sealed");
        // A second replica with a key folder of its own (empty): only the key ring in PostgreSQL is shared.
        var ownFolder = Path.Combine(fixture.StoreDirectory, "own-keys-" + id);
        var second = await fixture.System.System.StartFrontendAsync(extraArguments: [.. fixture.FrontendArguments, "--Robots:KeyDirectory=" + ownFolder]);
        try
        {
            using var viaSecond = new HttpClient { BaseAddress = second.BaseAddress };
            viaSecond.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
            using var set = await viaSecond.PutAsJsonAsync("/v1/robots/dingtalk", new { webhook_url = $"https://oapi.dingtalk.com/robot/send?access_token={token}", secret });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }
        finally
        {
            await fixture.System.System.StopFrontendAsync(second);
        }

        // Only the first replica is left: it runs the broadcast, so it opens what the second sealed.
        using var client = fixture.System.Client(apiKey);
        var job = await BroadcastAndWaitAsync(client, apiKey);

        Assert.Equal("dingtalk: markdown", job.GetProperty("robots_status").GetString());
        var sent = Assert.Single(fixture.Tools.DingTalk.Requests, r => ChatToolFakes.Query(r, "access_token") == token);
        var timestamp = long.Parse(ChatToolFakes.Query(sent, "timestamp")!, CultureInfo.InvariantCulture);
        var sign = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}\n{secret}")));
        Assert.Equal(sign, ChatToolFakes.Query(sent, "sign"));
    }

    [Fact]
    public async Task Robot_credentials_that_do_not_open_are_a_delivery_failure_with_a_reason()
    {
        var tenant = "unsealed-" + Guid.NewGuid().ToString("N")[..8];
        var apiKey = await fixture.System.CreateTenantAsync(tenant);
        using var client = fixture.System.Client(apiKey);
        using (var set = await client.PutAsJsonAsync("/v1/robots/dingtalk", new { webhook_url = "https://oapi.dingtalk.com/robot/send?access_token=dt-x", secret = "SECx" }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        // Credentials sealed by a key this cluster's ring does not have (another cluster's, or a ring that lost it).
        await using (var orleans = await ClusterClientHost.ConnectAsync(fixture.System.ConnectionString, fixture.System.ClusterId))
        {
            await orleans.Client.GetGrain<ITenantRobotsGrain>(tenant).SetAsync(
                new RobotBinding("dingtalk", "CfDJ8NotSealedByThisCluster", "CfDJ8NorThisOne", "…dt-x", DateTimeOffset.UtcNow));
        }

        var job = await BroadcastAndWaitAsync(client, apiKey);

        Assert.Equal("completed", JobsApi.Status(job));
        Assert.Equal("dingtalk: failed: the robot's stored credentials cannot be opened with this cluster's key ring (the key that sealed them is not in it); " +
                     "connect the robot again with PUT /v1/robots/dingtalk.", job.GetProperty("robots_status").GetString());
    }

    [Fact]
    public async Task A_job_deleted_before_its_audio_was_made_gives_its_characters_back()
    {
        var text = string.Concat(Enumerable.Range(1, 300).Select(i => $"Sentence {i} of a job that is deleted early. "));
        var apiKey = await fixture.System.CreateTenantAsync("giveback-" + Guid.NewGuid().ToString("N")[..8], charactersPerDay: text.Length);
        using var client = fixture.System.Client(apiKey);

        var first = (await JobsApi.CreateAsync(client, new { input = text, voice = "alloy" })).GetProperty("id").GetString()!;
        await DeleteAsync(client, first);

        // The whole day's allowance again: the deleted job's characters came back.
        var second = (await JobsApi.CreateAsync(client, new { input = text, voice = "alloy" })).GetProperty("id").GetString()!;
        await DeleteAsync(client, second);
    }

    /// <summary>
    /// Deletes a job that may be running. The local store can answer 503 while the job's runner is still writing a
    /// segment into the folder being removed (the API's "try again"); the test does as a client would.
    /// </summary>
    private async Task DeleteAsync(HttpClient client, string id)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var deleted = await client.DeleteAsync($"/v1/audio/jobs/{id}");
            if (deleted.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 5)
            {
                output.WriteLine($"DELETE {id} attempt {attempt}: 503 {await JobsApi.ProblemDetailAsync(deleted)}");
                await Task.Delay(500);
                continue;
            }

            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            return;
        }
    }

    private async Task<JsonElement> BroadcastAndWaitAsync(HttpClient client, string apiKey)
    {
        using var response = await client.PostAsJsonAsync("/v1/robots/broadcast", new { text = Notice, voice = "alloy", tools = new[] { "dingtalk" } });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        var id = JsonDocument.Parse(body).RootElement.GetProperty("job_id").GetString()!;
        return await JobsApi.WaitForAsync(() => fixture.System.Client(apiKey), id, j => j.GetProperty("robots_status").GetString() is not null,
            TimeSpan.FromSeconds(40), "the broadcast");
    }
}
