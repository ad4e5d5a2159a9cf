using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>"Post text, get a voice broadcast": the inbound endpoint makes a job, and each robot adapter sends exactly the requests its tool documents.</summary>
[Collection(JobSystemCollection.Name)]
public sealed class RobotTests(JobSystemFixture fixture)
{
    private const string Notice = "The quarterly review starts at three in the main hall. Please bring your team's figures.";

    [Fact]
    public async Task A_short_broadcast_is_a_WeCom_voice_message_and_a_signed_DingTalk_markdown_with_a_working_audio_link()
    {
        var (client, apiKey, wecomKey, dingToken, dingSecret) = await TenantWithRobotsAsync();
        using (client)
        {
            var broadcast = await BroadcastAsync(client, new { text = Notice, voice = "alloy", language = "english" });
            var job = await JobsApi.WaitForAsync(() => fixture.System.Client(apiKey), broadcast, j => j.GetProperty("robots_status").GetString() is not null, TimeSpan.FromSeconds(40), "the broadcast");
            Assert.Equal("dingtalk: markdown; wecom: voice", Sorted(job.GetProperty("robots_status").GetString()!));
            var seconds = job.GetProperty("audio_seconds").GetDouble();
            Assert.InRange(seconds, 0.1, 60);

            // WeCom: upload_media type=voice with an AMR-NB file, then a voice message with the returned media_id.
            var wecom = fixture.Tools.WeCom.Requests.Where(r => ChatToolFakes.Query(r, "key") == wecomKey).ToArray();
            Assert.Equal(2, wecom.Length);
            Assert.Equal($"/cgi-bin/webhook/upload_media?key={wecomKey}&type=voice", wecom[0].PathAndQuery);
            var (disposition, partType, amr) = await SinglePartAsync(wecom[0]);
            AssertMediaPart(disposition, $"{broadcast}.amr", amr.Length);
            Assert.Equal("application/octet-stream", partType);
            Assert.Equal("#!AMR\n", Encoding.ASCII.GetString(amr, 0, 6));
            Assert.Equal(0, (amr.Length - 6) % 32); // 12.2 kbit/s frames: a ToC byte and 31 bytes of speech
            var frames = (amr.Length - 6) / 32;
            Assert.All(Enumerable.Range(0, frames), i => Assert.Equal(0x3C, amr[6 + (i * 32)]));
            Assert.InRange(frames * 0.02, seconds - 0.05, seconds + 0.05); // 20 ms a frame: the whole utterance
            Assert.True(amr.Length <= 2 * 1024 * 1024);
            Assert.Equal($"/cgi-bin/webhook/send?key={wecomKey}", wecom[1].PathAndQuery);
            Assert.StartsWith("application/json", wecom[1].ContentType, StringComparison.Ordinal);
            Assert.Equal("""{"msgtype":"voice","voice":{"media_id":"media-1"}}""".Replace("media-1", MediaIdOf(wecom[0]), StringComparison.Ordinal),
                Encoding.UTF8.GetString(wecom[1].Body));

            // DingTalk: robot/send with timestamp and sign = base64(HMAC-SHA256(secret, "timestamp\nsecret")), markdown with the link.
            var ding = Assert.Single(fixture.Tools.DingTalk.Requests, r => ChatToolFakes.Query(r, "access_token") == dingToken);
            var timestamp = long.Parse(ChatToolFakes.Query(ding, "timestamp")!, CultureInfo.InvariantCulture);
            Assert.InRange(timestamp, DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            var expectedSign = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(dingSecret), Encoding.UTF8.GetBytes($"{timestamp}\n{dingSecret}")));
            Assert.Equal($"/robot/send?access_token={dingToken}&timestamp={timestamp}&sign={Uri.EscapeDataString(expectedSign)}", ding.PathAndQuery);
            var message = ChatToolFakes.Json(ding);
            Assert.Equal("markdown", message.GetProperty("msgtype").GetString());
            Assert.Equal("Voice broadcast", message.GetProperty("markdown").GetProperty("title").GetString());
            var text = message.GetProperty("markdown").GetProperty("text").GetString()!;
            Assert.Contains(Notice[..40], text, StringComparison.Ordinal);
            var link = System.Text.RegularExpressions.Regex.Match(text, @"\((http://tts\.example\.test(/v1/audio/links/[^)\s]+))\)");
            Assert.True(link.Success, text);

            // The link works without an API key and gives the job's stored audio.
            using var anonymous = new HttpClient { BaseAddress = fixture.System.Frontend };
            var linked = await anonymous.GetByteArrayAsync(link.Groups[2].Value);
            Assert.Equal(await client.GetByteArrayAsync($"/v1/audio/jobs/{broadcast}/content"), linked);
            using var forged = await anonymous.GetAsync("/v1/audio/links/" + link.Groups[2].Value.Split('/')[^1][..^4] + "AAAA");
            Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);

            // Credentials are stored encrypted: the grain state in PostgreSQL holds neither the key nor the secret.
            await using var data = NpgsqlDataSource.Create(fixture.System.ConnectionString);
            await using var command = data.CreateCommand("SELECT payload FROM orleans_grain_state WHERE payload IS NOT NULL");
            await using var rows = await command.ExecuteReaderAsync();
            var stored = new StringBuilder();
            while (await rows.ReadAsync())
            {
                stored.Append(Encoding.UTF8.GetString((byte[])rows[0]));
            }

            Assert.Contains("dingtalk", stored.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(wecomKey, stored.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(dingSecret, stored.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_broadcast_whose_frontend_dies_mid_delivery_is_finished_by_the_next_frontend_and_reaches_each_tool_it_had_not_recorded()
    {
        var (client, apiKey, wecomKey, dingToken, _) = await TenantWithRobotsAsync();
        var inFlight = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var frontendKilled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Tools.DingTalkAnswer = request =>
        {
            if (ChatToolFakes.Query(request, "access_token") != dingToken || !inFlight.TrySetResult())
            {
                return null;
            }

            return new AnswerAfter(frontendKilled.Task, Results.StatusCode(500)); // held: its sender dies waiting for it
        };
        try
        {
            using (client)
            {
                var id = await BroadcastAsync(client, new { text = Notice, voice = "alloy", language = "english" });

                // The job is done and its DingTalk message is on the wire: the frontend sending it dies (SIGKILL), a new one starts.
                await inFlight.Task.WaitAsync(TimeSpan.FromSeconds(60));
                await fixture.RestartFrontendAsync();
                frontendKilled.SetResult();

                var job = await JobsApi.WaitForAsync(() => fixture.System.Client(apiKey), id, j => j.GetProperty("robots_status").GetString() is not null,
                    TimeSpan.FromSeconds(60), "the broadcast finished by the new frontend");
                Assert.Equal("dingtalk: markdown; wecom: voice", Sorted(job.GetProperty("robots_status").GetString()!));
                // At least once: the message in flight at the kill is sent again; a tool recorded as reached is not.
                Assert.Equal(2, fixture.Tools.DingTalk.Requests.Count(r => ChatToolFakes.Query(r, "access_token") == dingToken));
                var wecom = fixture.Tools.WeCom.Requests.Where(r => ChatToolFakes.Query(r, "key") == wecomKey).ToArray();
                Assert.Equal(["/cgi-bin/webhook/upload_media", "/cgi-bin/webhook/send"], wecom.Select(ChatToolFakes.Path));
            }
        }
        finally
        {
            fixture.Tools.DingTalkAnswer = null;
            frontendKilled.TrySetResult();
        }
    }

    [Fact]
    public async Task Audio_longer_than_60_seconds_goes_to_WeCom_as_a_file_message()
    {
        var (client, apiKey, wecomKey, _, _) = await TenantWithRobotsAsync();
        using (client)
        {
            var text = string.Concat(Enumerable.Range(1, 45).Select(i => $"Item {i} of the long bulletin covers another part of the plan in some detail. "));
            var broadcast = await BroadcastAsync(client, new { text, voice = "alloy", language = "english", tools = new[] { "wecom" } });
            var job = await JobsApi.WaitForAsync(() => fixture.System.Client(apiKey), broadcast, j => j.GetProperty("robots_status").GetString() is not null, TimeSpan.FromSeconds(60), "the broadcast");
            Assert.Equal("wecom: file", job.GetProperty("robots_status").GetString());
            Assert.True(job.GetProperty("audio_seconds").GetDouble() > 60, job.ToString());

            var wecom = fixture.Tools.WeCom.Requests.Where(r => ChatToolFakes.Query(r, "key") == wecomKey).ToArray();
            Assert.Equal(2, wecom.Length);
            Assert.Equal($"/cgi-bin/webhook/upload_media?key={wecomKey}&type=file", wecom[0].PathAndQuery);
            var (disposition, partType, file) = await SinglePartAsync(wecom[0]);
            AssertMediaPart(disposition, $"{broadcast}.mp3", file.Length);
            Assert.Equal("application/octet-stream", partType);
            Assert.Equal(await client.GetByteArrayAsync($"/v1/audio/jobs/{broadcast}/content"), file);
            Assert.Equal($"/cgi-bin/webhook/send?key={wecomKey}", wecom[1].PathAndQuery);
            Assert.Equal("""{"msgtype":"file","file":{"media_id":"X"}}""".Replace("X", MediaIdOf(wecom[0]), StringComparison.Ordinal), Encoding.UTF8.GetString(wecom[1].Body));
            Assert.DoesNotContain(fixture.Tools.DingTalk.Requests, r => r.PathAndQuery.Contains(broadcast, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Bad_robot_settings_and_broadcasts_get_problem_json()
    {
        var key = await fixture.System.CreateTenantAsync("robots-" + Guid.NewGuid().ToString("N")[..8]);
        using var client = fixture.System.Client(key);
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/robots/broadcast", new { text = Notice }), HttpStatusCode.BadRequest, "no robots");
        await AssertProblemAsync(await client.PutAsJsonAsync("/v1/robots/slack", new { webhook_url = "https://example.com/x?key=1" }), HttpStatusCode.NotFound, "wecom");
        await AssertProblemAsync(await client.PutAsJsonAsync("/v1/robots/wecom", new { webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send" }), HttpStatusCode.BadRequest, "key");
        await AssertProblemAsync(await client.PutAsJsonAsync("/v1/robots/dingtalk", new { webhook_url = "https://oapi.dingtalk.com/robot/send?access_token=abc" }), HttpStatusCode.BadRequest, "secret");
        using (var set = await client.PutAsJsonAsync("/v1/robots/wecom", new { webhook_url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k-123456" }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            Assert.DoesNotContain("k-123456", await set.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/robots/broadcast", new { text = Notice, voice = "alloy", tools = new[] { "dingtalk" } }), HttpStatusCode.BadRequest, "dingtalk");
        await AssertProblemAsync(await client.PostAsJsonAsync("/v1/robots/broadcast", new { text = "", voice = "alloy" }), HttpStatusCode.BadRequest, "input");
        using var removed = await client.DeleteAsync("/v1/robots/wecom");
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        await AssertProblemAsync(await client.DeleteAsync("/v1/robots/wecom"), HttpStatusCode.NotFound, "wecom");
    }

    private async Task<(HttpClient Client, string ApiKey, string WeComKey, string DingToken, string DingSecret)> TenantWithRobotsAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        var apiKey = await fixture.System.CreateTenantAsync("robots-" + id);
        var client = fixture.System.Client(apiKey);
        var (wecomKey, dingToken, dingSecret) = ($"wk-{id}", $"dt-{id}", $"SEC{id}secret");
        using (var wecom = await client.PutAsJsonAsync("/v1/robots/wecom", new { webhook_url = $"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={wecomKey}" }))
        {
            Assert.Equal(HttpStatusCode.OK, wecom.StatusCode);
        }

        using (var ding = await client.PutAsJsonAsync("/v1/robots/dingtalk", new { webhook_url = $"https://oapi.dingtalk.com/robot/send?access_token={dingToken}", secret = dingSecret }))
        {
            Assert.Equal(HttpStatusCode.OK, ding.StatusCode);
        }

        var listed = await client.GetStringAsync("/v1/robots");
        Assert.DoesNotContain(wecomKey, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(dingSecret, listed, StringComparison.Ordinal);
        return (client, apiKey, wecomKey, dingToken, dingSecret);
    }

    private static async Task<string> BroadcastAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/robots/broadcast", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("job_id").GetString()!;
    }

    private static async Task<(string Disposition, string ContentType, byte[] Body)> SinglePartAsync(LoopbackServer.Received request)
    {
        var boundary = HeaderUtilities.RemoveQuotes(MediaTypeHeaderValue.Parse(request.ContentType).Boundary).Value!;
        Assert.StartsWith("multipart/form-data", request.ContentType, StringComparison.Ordinal);
        var reader = new MultipartReader(boundary, new MemoryStream(request.Body));
        var section = await reader.ReadNextSectionAsync() ?? throw new InvalidOperationException("no multipart section");
        using var body = new MemoryStream();
        await section.Body.CopyToAsync(body);
        Assert.Null(await reader.ReadNextSectionAsync());
        return (section.ContentDisposition!, section.ContentType!, body.ToArray());
    }

    /// <summary>WeCom's documented part: Content-Disposition: form-data; name="media"; filename="..."; filelength=N.</summary>
    private static void AssertMediaPart(string disposition, string fileName, int length)
    {
        var parsed = ContentDispositionHeaderValue.Parse(disposition);
        Assert.Equal("form-data", parsed.DispositionType.Value);
        Assert.Equal("media", HeaderUtilities.RemoveQuotes(parsed.Name).Value);
        Assert.Equal(fileName, HeaderUtilities.RemoveQuotes(parsed.FileName).Value);
        Assert.Equal(length.ToString(CultureInfo.InvariantCulture), Assert.Single(parsed.Parameters, p => p.Name == "filelength").Value.Value);
        Assert.Equal(3, parsed.Parameters.Count); // name, filename, filelength and nothing else (no filename*)
    }

    private string MediaIdOf(LoopbackServer.Received upload) =>
        $"media-{Array.IndexOf(fixture.Tools.WeCom.Requests.ToArray(), upload) + 1}";

    private static string Sorted(string status) => string.Join("; ", status.Split("; ").Order(StringComparer.Ordinal));

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string mentions)
    {
        using (response)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(mentions, await JobsApi.ProblemDetailAsync(response), StringComparison.Ordinal);
        }
    }
}
