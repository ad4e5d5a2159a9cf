using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using QwenTts.TestSupport;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>The job API on short inputs: same audio as realtime speech, expiry, isolation, bad inputs, signed callbacks.</summary>
[Collection(JobSystemCollection.Name)]
public sealed class JobApiTests(JobSystemFixture fixture)
{
    private const string Text = "The job endpoint makes this passage in the background. Its audio is kept for a while, then it expires.";

    /// <summary>The speech endpoint's audio for <paramref name="fields"/>, then a job of the same fields run to completion (and its final state).</summary>
    private async Task<(byte[] Realtime, string JobId, JsonElement Done)> SpeakThenCompleteJobAsync(HttpClient client, object fields)
    {
        using var speech = await client.PostAsJsonAsync("/v1/audio/speech", fields);
        Assert.Equal(HttpStatusCode.OK, speech.StatusCode);
        var realtime = await speech.Content.ReadAsByteArrayAsync();

        var id = (await JobsApi.CreateAsync(client, fields)).GetProperty("id").GetString()!;
        var done = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.AcmeKey), id, j => JobsApi.Status(j) is "completed" or "failed", TimeSpan.FromSeconds(30), "the job");
        Assert.True(JobsApi.Status(done) == "completed", done.ToString());
        return (realtime, id, done);
    }

    [Fact]
    public async Task A_job_makes_the_same_audio_as_the_speech_endpoint_and_its_audio_expires_on_time()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var fields = new { input = Text, voice = "alloy", language = "english", seed = 11, response_format = "pcm" };
        var (realtime, id, done) = await SpeakThenCompleteJobAsync(client, fields);
        var stored = await client.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        Assert.True(realtime.AsSpan().SequenceEqual(stored), $"job audio ({stored.Length} bytes) equals the speech endpoint's ({realtime.Length} bytes)");
        Assert.True(Directory.Exists(Path.Combine(fixture.StoreDirectory, "jobs", id)));
        using var operatorClient = new HttpClient { BaseAddress = fixture.System.System.Frontend!.OperatorAddress };
        Assert.Matches("qwentts_jobs_finished_total\\{[^}]*outcome=\"completed\"", await operatorClient.GetStringAsync("/metrics"));

        var completedAt = done.GetProperty("completed_at").GetInt64();
        var expiresAt = done.GetProperty("expires_at").GetInt64();
        Assert.InRange(expiresAt - completedAt, JobSystemFixture.Retention.TotalSeconds - 1, JobSystemFixture.Retention.TotalSeconds + 1);

        var expired = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.AcmeKey), id, j => JobsApi.Status(j) == "expired",
            JobSystemFixture.Retention + TimeSpan.FromSeconds(10), "the audio to expire");
        Assert.True(DateTimeOffset.UtcNow.ToUnixTimeSeconds() >= expiresAt - 1, "not expired before its time");
        Assert.Null(expired.GetProperty("content_url").GetString());
        using var gone = await client.GetAsync($"/v1/audio/jobs/{id}/content");
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        Assert.Contains("expired", (await JobsApi.ProblemDetailAsync(gone)) + gone.ReasonPhrase, StringComparison.OrdinalIgnoreCase);
        Assert.False(Directory.Exists(Path.Combine(fixture.StoreDirectory, "jobs", id)), "the expired audio is deleted from the store");

        // Jobs:KeepEndedFor later it is forgotten: not found, its grain state and its row in the job queue gone.
        await Eventually.HoldsAsync(async () => (await client.GetAsync($"/v1/audio/jobs/{id}")).StatusCode, s => s == HttpStatusCode.NotFound,
            JobSystemFixture.KeepEndedFor + TimeSpan.FromSeconds(15), "the expired job forgotten");
        await using var data = Npgsql.NpgsqlDataSource.Create(fixture.System.ConnectionString);
        await using var state = data.CreateCommand("SELECT count(*) FROM orleans_grain_state WHERE grain_id_ext LIKE @id AND payload IS NOT NULL");
        state.Parameters.AddWithValue("id", "%" + id + "%");
        Assert.Equal(0L, await state.ExecuteScalarAsync());
        await using var queued = data.CreateCommand("SELECT count(*) FROM audio_job_schedule WHERE job_id = @id");
        queued.Parameters.AddWithValue("id", id);
        Assert.Equal(0L, await queued.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_job_with_pitch_volume_and_speed_stores_what_the_speech_endpoint_streams()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var fields = new { input = Text, voice = "alloy", language = "english", seed = 11, response_format = "pcm", pitch = 3, volume = 1.5, speed = 1.25 };
        var (realtime, id, _) = await SpeakThenCompleteJobAsync(client, fields);
        var stored = await client.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");

        Assert.True(realtime.AsSpan().SequenceEqual(stored), $"job audio ({stored.Length} bytes) equals the speech endpoint's ({realtime.Length} bytes)");
        await AssertBadRequestAsync(client, new { input = Text, voice = "alloy", pitch = 12.5 }, "pitch 12.5 is out of range");
    }

    [Fact]
    public async Task A_tenant_with_the_ai_notice_hears_the_morse_rhythm_first_from_speech_and_in_its_job_files()
    {
        var tenant = "notice-" + Guid.NewGuid().ToString("N")[..6];
        var key = await fixture.System.CreateTenantAsync(tenant);
        await using (var data = Npgsql.NpgsqlDataSource.Create(fixture.System.ConnectionString))
        {
            Assert.NotNull(await new QwenTts.Storage.Tenants.TenantStore(data).SetAiNoticeAsync(tenant, "morse"));
        }

        var fields = new { input = Text, voice = "alloy", language = "english", seed = 11, response_format = "pcm" };
        using var client = fixture.System.Client(key);
        using var speech = await client.PostAsJsonAsync("/v1/audio/speech", fields);
        var labelled = await speech.Content.ReadAsByteArrayAsync();
        using var plainClient = fixture.System.Client(fixture.AcmeKey);
        using var plainSpeech = await plainClient.PostAsJsonAsync("/v1/audio/speech", fields);
        var plain = await plainSpeech.Content.ReadAsByteArrayAsync();

        // The rhythm (tones where the standard puts them, silence between), then exactly what a tenant without it hears.
        var rhythm = 24000 * QwenTts.Audio.AiNoticeRhythm.Milliseconds / 1000 * 2;
        Assert.True(labelled.AsSpan(rhythm).SequenceEqual(plain), $"{labelled.Length} bytes with the notice, {plain.Length} without");
        var samples = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(labelled.AsSpan(0, rhythm)).ToArray();
        double Rms(int fromMs, int toMs) => Math.Sqrt(samples[(fromMs * 24)..(toMs * 24)].Average(v => (double)v * v)) / short.MaxValue;
        foreach (var (start, length) in QwenTts.Audio.AiNoticeRhythm.Tones)
        {
            Assert.InRange(Rms(start + 10, start + length - 10), 0.15, 0.2); // an 800 Hz tone at 0.25
            Assert.True(Rms(start + length + 10, start + length + 90) < 0.001, $"silence after the tone at {start} ms");
        }

        // A job: its stored file starts the same way (it is the speech endpoint's audio, byte for byte).
        var id = (await JobsApi.CreateAsync(client, fields)).GetProperty("id").GetString()!;
        var done = await JobsApi.WaitForAsync(() => fixture.System.Client(key), id, j => JobsApi.Status(j) is "completed" or "failed", TimeSpan.FromSeconds(30), "the job");
        Assert.Equal("completed", JobsApi.Status(done));
        var stored = await client.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        Assert.True(labelled.AsSpan().SequenceEqual(stored), "the job's file equals the labelled speech");
    }

    [Theory]
    [InlineData("wav", 16000, "audio/wav")]
    [InlineData("pcm_mulaw", null, "audio/PCMU")]
    public async Task A_job_at_another_sample_rate_stores_what_the_speech_endpoint_streams(string format, int? sampleRate, string contentType)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var fields = new { input = Text, voice = "alloy", language = "english", seed = 11, response_format = format, sample_rate = sampleRate };
        var (realtime, id, _) = await SpeakThenCompleteJobAsync(client, fields);
        using var content = await client.GetAsync($"/v1/audio/jobs/{id}/content");
        var stored = await content.Content.ReadAsByteArrayAsync();

        Assert.Equal(contentType, content.Content.Headers.ContentType?.MediaType);
        if (format == "wav")
        {
            // Both are 16-bit mono: the rate at byte 24 (fmt comes first), the samples after the data chunk's head.
            Assert.Equal(16000, BitConverter.ToInt32(stored, 24));
            Assert.Equal(JobsApi.WavSamples(realtime), JobsApi.WavSamples(stored));
            var label = await QwenTts.TestSupport.Ffprobe.TagAsync(stored, "wav", "AIGC");
            Assert.Equal(id, System.Text.Json.JsonDocument.Parse(label!).RootElement.GetProperty("ProduceID").GetString());
            Assert.Equal(stored.Length - 8, BitConverter.ToInt32(stored, 4)); // a stored WAV knows its sizes
        }
        else
        {
            Assert.Equal(realtime, stored);
        }
    }

    [Fact]
    public async Task An_ssml_job_stores_what_the_speech_endpoint_streams_breaks_and_rates_included()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var fields = new
        {
            input = "<speak>The job begins.<break time=\"700ms\"/><prosody rate=\"150%\">Then it hurries on.</prosody><break strength=\"weak\"/></speak>",
            input_format = "ssml", voice = "alloy", language = "english", seed = 11, response_format = "pcm",
        };
        var (realtime, id, _) = await SpeakThenCompleteJobAsync(client, fields);
        var stored = await client.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");

        Assert.True(realtime.AsSpan().SequenceEqual(stored), $"job audio ({stored.Length} bytes) equals the speech endpoint's ({realtime.Length} bytes)");
        Assert.True(stored.AsSpan(stored.Length - 500 * 48).IndexOfAnyExcept((byte)0) < 0, "the trailing 500 ms break is silence at the end");
    }

    [Fact]
    public async Task Another_tenants_job_is_not_found_and_bad_inputs_get_problem_json()
    {
        using var acme = fixture.System.Client(fixture.AcmeKey);
        using var globex = fixture.System.Client(fixture.GlobexKey);
        var id = (await JobsApi.CreateAsync(acme, new { input = Text, voice = "nova", response_format = "wav" })).GetProperty("id").GetString()!;

        foreach (var path in new[] { $"/v1/audio/jobs/{id}", $"/v1/audio/jobs/{id}/content" })
        {
            using var other = await globex.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
            Assert.Contains("no job", await JobsApi.ProblemDetailAsync(other), StringComparison.Ordinal);
        }

        using (var deleteOther = await globex.DeleteAsync($"/v1/audio/jobs/{id}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, deleteOther.StatusCode);
        }

        foreach (var unknown in new[] { "job_" + Guid.NewGuid().ToString("N"), "not-a-job-id" })
        {
            using var response = await acme.GetAsync($"/v1/audio/jobs/{unknown}");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            await JobsApi.ProblemDetailAsync(response);
        }

        // 90 KB of UTF-8, over the speech endpoint's 64 KB body limit: the job endpoint reads it and names the input limit.
        await AssertBadRequestAsync(acme, new { input = new string('字', 30_001), voice = "alloy" }, "30000");
        await AssertBadRequestAsync(acme, new { input = Text, voice = "alloy", callback_url = "ftp://127.0.0.1/done" }, "callback_url");
        await AssertBadRequestAsync(acme, new { input = Text, voice = "alloy", callback_url = "not a url" }, "callback_url");
        await AssertBadRequestAsync(acme, new { input = "", voice = "alloy" }, "input");
        await AssertBadRequestAsync(acme, new { input = Text, voice = "alloy", response_format = "aiff" }, "response_format");
        await AssertBadRequestAsync(acme, new { input = Text, voice = "alloy", emotion = "calm" }, "unknown field 'emotion'");
        await AssertBadRequestAsync(acme, new { input = Text, voice = "alloy", stream_format = "sse" }, "stream_format is not taken by /v1/audio/jobs");

        var finished = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.AcmeKey), id, j => JobsApi.Status(j) == "completed", TimeSpan.FromSeconds(30), "the job");
        Assert.Equal("wav", finished.GetProperty("response_format").GetString());
        var wav = await acme.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        Assert.Equal(wav.Length - 8, BitConverter.ToInt32(wav, 4)); // a stored WAV knows its sizes

        using (var delete = await acme.DeleteAsync($"/v1/audio/jobs/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using var deleted = await acme.GetAsync($"/v1/audio/jobs/{id}");
        Assert.Equal(HttpStatusCode.NotFound, deleted.StatusCode);
        Assert.False(Directory.Exists(Path.Combine(fixture.StoreDirectory, "jobs", id)));
    }

    [Fact]
    public async Task The_completion_callback_is_signed_with_the_tenants_secret_and_retried_until_accepted()
    {
        await using var receiver = await LoopbackServer.StartAsync((_, n) => n <= 2 ? Results.StatusCode(500) : Results.Ok());
        using var client = fixture.System.Client(fixture.AcmeKey);
        using var secretAnswer = JsonDocument.Parse(await client.GetStringAsync("/v1/audio/jobs/callback-secret"));
        var secret = secretAnswer.RootElement.GetProperty("secret").GetString()!;
        using var globex = fixture.System.Client(fixture.GlobexKey);
        Assert.NotEqual(secret, JsonDocument.Parse(await globex.GetStringAsync("/v1/audio/jobs/callback-secret")).RootElement.GetProperty("secret").GetString());

        var callback = new Uri(receiver.BaseAddress, "/hooks/tts?source=test").ToString();
        var id = (await JobsApi.CreateAsync(client, new { input = Text, voice = "alloy", response_format = "mp3", callback_url = callback })).GetProperty("id").GetString()!;
        var job = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.AcmeKey), id,
            j => j.GetProperty("callback_status").GetString() is { } s && (s.StartsWith("delivered", StringComparison.Ordinal) || s.StartsWith("failed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(40), "the callback");
        Assert.StartsWith("delivered (attempt 3", job.GetProperty("callback_status").GetString(), StringComparison.Ordinal);

        var requests = receiver.Requests.ToArray();
        Assert.Equal(3, requests.Length);
        for (var i = 0; i < requests.Length; i++)
        {
            var request = requests[i];
            Assert.Equal("POST", request.Method);
            Assert.Equal("/hooks/tts?source=test", request.PathAndQuery);
            Assert.Equal("application/json", request.ContentType);
            Assert.Equal(id, request.Headers["X-QwenTts-Job"]);
            Assert.Equal((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), request.Headers["X-QwenTts-Attempt"]);
            var parts = request.Headers["X-QwenTts-Signature"].Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
            var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret),
                (byte[])[.. Encoding.UTF8.GetBytes(parts["t"] + "."), .. request.Body]));
            Assert.Equal(expected, parts["v1"]);
            Assert.InRange(long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UtcNow.AddMinutes(-2).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            using var body = JsonDocument.Parse(request.Body);
            Assert.Equal(id, body.RootElement.GetProperty("id").GetString());
            Assert.Equal("completed", body.RootElement.GetProperty("status").GetString());
            Assert.Equal($"/v1/audio/jobs/{id}/content", body.RootElement.GetProperty("content_url").GetString());
        }
    }

    [Fact]
    public async Task A_callback_still_retrying_when_its_frontend_dies_is_sent_by_the_next_frontend()
    {
        var secondArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var frontendKilled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await LoopbackServer.StartAsync((_, n) =>
        {
            if (n == 2)
            {
                secondArrived.TrySetResult();
                return new AnswerAfter(frontendKilled.Task, Results.StatusCode(500));
            }

            return n == 1 ? Results.StatusCode(500) : Results.Ok();
        });
        using var client = fixture.System.Client(fixture.AcmeKey);
        var id = (await JobsApi.CreateAsync(client, new { input = Text, voice = "echo", response_format = "mp3", callback_url = new Uri(receiver.BaseAddress, "/done").ToString() }))
            .GetProperty("id").GetString()!;

        // The first attempt failed, the second is in flight: the frontend sending it dies (SIGKILL) and a new one starts.
        await secondArrived.Task.WaitAsync(TimeSpan.FromSeconds(40));
        await fixture.RestartFrontendAsync();
        frontendKilled.SetResult();

        var job = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.AcmeKey), id,
            j => j.GetProperty("callback_status").GetString() is { } s && (s.StartsWith("delivered", StringComparison.Ordinal) || s.StartsWith("failed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(40), "the callback to be delivered by the new frontend");
        Assert.StartsWith("delivered (attempt 3", job.GetProperty("callback_status").GetString(), StringComparison.Ordinal);
        var requests = receiver.Requests.ToArray();
        Assert.Equal(["1", "2", "3"], requests.Select(r => r.Headers["X-QwenTts-Attempt"]));
        Assert.All(requests, r => Assert.Equal(id, r.Headers["X-QwenTts-Job"]));
    }

    private static async Task AssertBadRequestAsync(HttpClient client, object body, string mentions)
    {
        using var response = await client.PostAsJsonAsync("/v1/audio/jobs", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentions, await JobsApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }
}
