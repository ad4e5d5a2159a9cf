using System.Net;
using System.Text.Json;
using QwenTts.TestSupport;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>A finished job's segment timestamps (JSON) and subtitles (WebVTT), over real HTTP against the running system.</summary>
[Collection(JobSystemCollection.Name)]
public sealed class JobTimestampTests(JobSystemFixture fixture)
{
    /// <summary>Several segments, with a line break, doubled spaces and characters WebVTT must escape.</summary>
    private const string Text = "  Fish & chips cost less than <five> euros at the corner shop, said the first sentence of the job.\n\n" +
                                "The second sentence of the job follows it after a short pause,  and runs on for a little while. " +
                                "A third one is there so that the segmenter has to cut the passage into more than one piece.";

    [Fact]
    public async Task A_finished_job_has_timestamps_covering_its_input_and_subtitles_that_parse_as_webvtt()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var id = (await JobsApi.CreateAsync(client, new { input = Text, voice = "alloy", seed = 3, response_format = "pcm", speed = 1.2 })).GetProperty("id").GetString()!;
        using var early = await client.GetAsync($"/v1/audio/jobs/{id}/subtitles.vtt");
        var done = await JobsApi.WaitForAsync(() => fixture.System.Client(fixture.AcmeKey), id, j => JobsApi.Status(j) is "completed" or "failed", TimeSpan.FromSeconds(30), "the job");
        Assert.True(JobsApi.Status(done) == "completed", done.ToString());

        var pcm = await client.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        using var timestamps = JsonDocument.Parse(await client.GetStringAsync($"/v1/audio/jobs/{id}/timestamps"));
        using var subtitles = await client.GetAsync($"/v1/audio/jobs/{id}/subtitles.vtt");
        var vtt = await subtitles.Content.ReadAsStringAsync();

        Assert.True(early.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{early.StatusCode} before the job finished");
        Assert.Equal("segment", timestamps.RootElement.GetProperty("granularity").GetString());
        var segments = timestamps.RootElement.GetProperty("segments").EnumerateArray().ToList();
        Assert.True(segments.Count >= 2, timestamps.RootElement.ToString());
        TimestampAsserts.CoverInOrder(Text, segments, pcm.Length / 2 / 24000.0);
        Assert.Equal("text/vtt", subtitles.Content.Headers.ContentType?.MediaType);
        var cues = await TimestampAsserts.WebVttCuesAsync(vtt);
        Assert.Equal(segments.Count, cues.Count);
        Assert.Contains("Fish &amp; chips cost less than &lt;five&gt; euros", cues[0], StringComparison.Ordinal);
        using var missing = await client.GetAsync("/v1/audio/jobs/job_doesnotexist/timestamps");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
