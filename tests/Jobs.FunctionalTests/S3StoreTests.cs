using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>The jobs' S3-compatible audio store against a real S3-compatible server (s3rver) through the AWS SDK.</summary>
[Collection(S3StoreCollection.Name)]
public sealed class S3StoreTests(S3StoreFixture fixture, ITestOutputHelper output)
{
    private const string Text = "This job keeps its audio in an object store. Any frontend can read it back, and it is deleted when it expires.";

    /// <summary>About 3,000 characters: a file of some hundreds of KB, read back through several ranged GETs of growing size.</summary>
    private static readonly string LongText = string.Join(" ", Enumerable.Range(1, 24).Select(i =>
        $"Paragraph {i} of the narration goes on about stored audio, object stores and the frontends that share one bucket, then it stops."));

    [Fact]
    public async Task A_job_on_the_s3_store_serves_the_speech_endpoints_audio_with_ranges_and_its_object_is_deleted_on_expiry()
    {
        using var client = fixture.System.Client(fixture.Key);
        var fields = new { input = LongText, voice = "alloy", language = "english", seed = 5, response_format = "wav" };
        using var speech = await client.PostAsJsonAsync("/v1/audio/speech", fields);
        Assert.Equal(HttpStatusCode.OK, speech.StatusCode);
        var realtime = await speech.Content.ReadAsByteArrayAsync();

        var id = (await JobsApi.CreateAsync(client, fields)).GetProperty("id").GetString()!;
        var done = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.Key), id, j => JobsApi.Status(j) is "completed" or "failed", TimeSpan.FromSeconds(60), "the job");
        Assert.True(JobsApi.Status(done) == "completed", done.ToString());
        var objects = await fixture.S3.ListAsync($"{S3StoreFixture.Prefix}jobs/{id}/");
        Assert.Equal(new[] { $"{S3StoreFixture.Prefix}jobs/{id}/audio.wav" }, objects);

        var first = await client.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        var second = await client.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        Assert.True(first.AsSpan().SequenceEqual(second), "the content is the same bytes on every read");
        // The speech endpoint streams a WAV header with open sizes; the stored file knows them. The samples are the same.
        // Their headers differ in the AI-content label's ProduceID (the request's id, the job's id).
        Assert.True(JobsApi.WavSamples(realtime).AsSpan().SequenceEqual(JobsApi.WavSamples(first)), "the job's samples equal the speech endpoint's");
        output.WriteLine($"{LongText.Length} characters, {done.GetProperty("progress").GetProperty("segments_total").GetInt32()} segments, {first.Length} bytes of WAV");
        Assert.True(first.Length > 300 * 1024, $"the file ({first.Length} bytes) is larger than the first ranged GET (256 KiB)");

        long third = first.Length / 3;
        foreach (var (from, to) in new (long, long)[] { (0, 43), (1000, 4999), (third, 2 * third), (first.Length - 100, first.Length - 1) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/audio/jobs/{id}/content");
            request.Headers.Range = new RangeHeaderValue(from, to);
            using var part = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, part.StatusCode);
            Assert.Equal($"bytes {from}-{to}/{first.Length}", part.Content.Headers.ContentRange?.ToString());
            var bytes = await part.Content.ReadAsByteArrayAsync();
            Assert.True(first.AsSpan((int)from, (int)(to - from + 1)).SequenceEqual(bytes), $"bytes {from}-{to}");
        }

        await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.Key), id, j => JobsApi.Status(j) == "expired",
            S3StoreFixture.Retention + TimeSpan.FromSeconds(10), "the audio to expire");
        Assert.Empty(await fixture.S3.ListAsync($"{S3StoreFixture.Prefix}jobs/{id}/"));
        using var gone = await client.GetAsync($"/v1/audio/jobs/{id}/content");
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
    }

    [Fact]
    public async Task A_stopped_s3_server_gives_503_problem_json_on_reads_and_fails_new_jobs_with_the_stores_error()
    {
        using var client = fixture.System.Client(fixture.Key);
        var fields = new { input = Text, voice = "nova", seed = 3, response_format = "mp3" };
        var stored = (await JobsApi.CreateAsync(client, fields)).GetProperty("id").GetString()!;
        await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.Key), stored, j => JobsApi.Status(j) == "completed", TimeSpan.FromSeconds(30), "the first job");

        await fixture.S3.StopAsync();
        try
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            using var unavailable = await client.GetAsync($"/v1/audio/jobs/{stored}/content");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
            Assert.Contains("audio store", await JobsApi.ProblemDetailAsync(unavailable), StringComparison.Ordinal);
            Assert.NotNull(unavailable.Headers.RetryAfter);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"the read failed in {watch.Elapsed}, not a hang");

            var lost = (await JobsApi.CreateAsync(client, fields)).GetProperty("id").GetString()!;
            var failed = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.Key), lost, j => JobsApi.Status(j) is "failed" or "completed",
                TimeSpan.FromSeconds(40), "the job to fail");
            Assert.Equal("failed", JobsApi.Status(failed));
            Assert.Contains("S3 audio store", failed.GetProperty("error").GetString(), StringComparison.Ordinal);

            using var operatorClient = new HttpClient { BaseAddress = fixture.System.System.Frontend!.OperatorAddress };
            Assert.Matches("qwentts_audio_store_errors_total\\{[^}]*operation=\"put\"", await operatorClient.GetStringAsync("/metrics"));
        }
        finally
        {
            await fixture.S3.StartAsync();
        }

        var back = await client.GetByteArrayAsync($"/v1/audio/jobs/{stored}/content");
        Assert.NotEmpty(back);
    }
}
