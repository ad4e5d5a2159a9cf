using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using QwenTts.LocalHosting;
using QwenTts.TestSupport;

namespace QwenTts.Jobs.FunctionalTests;

/// <summary>A 20,000-character job across several cards, through a frontend restart and a silo kill, to stable stored audio.</summary>
[Collection(JobSystemCollection.Name)]
public sealed class LongJobTests(JobSystemFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_20000_character_job_survives_a_frontend_restart_and_a_silo_kill_and_its_audio_reads_the_same_twice()
    {
        var system = fixture.System;
        // A third silo whose cards take part until it is killed; the fixture's two silos carry the job to its end.
        var doomed = await system.System.StartSiloAsync(new SiloSpec("silo-doomed", JobSystemFixture.SiloArguments(system.ModelDirectory)));
        await system.WaitForCardsAsync(6);

        // The fixture keeps audio 8 s (for the expiry test); this job must not hinge on a poll landing in those 8 s
        // right after a silo kill, so it is created and run by frontends that keep audio for minutes.
        await fixture.RestartFrontendAsync(LongRetention);
        try
        {
            await RunAsync(system, doomed);
        }
        finally
        {
            await fixture.RestartFrontendAsync();
        }
    }

    private static readonly TimeSpan LongRetention = TimeSpan.FromMinutes(10);

    private async Task RunAsync(EmulatedSystem system, RunningService doomed)
    {
        var text = LongText(20_000);
        using var client = system.Client(fixture.AcmeKey);
        var created = await JobsApi.CreateAsync(client, new { input = text, voice = "alloy", language = "english", seed = 7, response_format = "mp3" });
        var id = created.GetProperty("id").GetString()!;
        var total = created.GetProperty("progress").GetProperty("segments_total").GetInt32();
        var characters = created.GetProperty("characters").GetInt32();
        Assert.InRange(characters, 19_800, 20_000);
        Assert.True(total >= 60, $"{total} segments");

        var beforeRestart = await JobsApi.WaitForAsync(() => system.Client(fixture.AcmeKey), id, j => JobsApi.Done(j) >= total / 5, TimeSpan.FromSeconds(60), "a fifth of the segments");
        var firstFrontend = system.System.Frontend!;
        var restarted = await fixture.RestartFrontendAsync(LongRetention);
        output.WriteLine($"frontend restarted at {JobsApi.Done(beforeRestart)}/{total}");

        var beforeKill = await JobsApi.WaitForAsync(() => system.Client(fixture.AcmeKey), id,
            j => JobsApi.Done(j) >= Math.Min(total - 5, JobsApi.Done(beforeRestart) + (total / 5)), TimeSpan.FromSeconds(60), "progress after the restart");
        Assert.Equal("running", JobsApi.Status(beforeKill));
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} killing");
        doomed.Process.Kill(); // SIGKILL mid-job: its cards' segments are lost and must be made again elsewhere
        output.WriteLine($"silo killed at {JobsApi.Done(beforeKill)}/{total}");

        JsonElement done;
        try
        {
            done = await JobsApi.WaitForAsync(() => system.Client(fixture.AcmeKey), id, j => JobsApi.Status(j) is "completed" or "failed", TimeSpan.FromSeconds(120), "the job to end", output.WriteLine);
        }
        catch (TimeoutException)
        {
            output.WriteLine("frontend log:\n" + Tail(restarted.Process.Output));
            throw;
        }

        Assert.True(JobsApi.Status(done) == "completed", done.ToString());
        Assert.Equal(total, JobsApi.Done(done));
        var devices = done.GetProperty("devices").EnumerateArray().Select(d => d.GetString()!).ToList();
        output.WriteLine($"devices: {string.Join(", ", devices)}; audio {done.GetProperty("audio_seconds").GetDouble()} s, {done.GetProperty("bytes").GetInt64()} bytes");
        Assert.True(devices.Count >= 3, $"ran on {string.Join(", ", devices)}");

        // The restarted frontend took the job over from its recorded segments, not from the start.
        var resumed = System.Text.RegularExpressions.Regex.Match(restarted.Process.Output, $@"Job {id}: making (\d+)/{total} segments");
        Assert.True(resumed.Success, "the new frontend resumed the job:\n" + Tail(restarted.Process.Output));
        Assert.True(int.Parse(resumed.Groups[1].Value) <= total - JobsApi.Done(beforeRestart), $"resumed with {resumed.Groups[1].Value} of {total} to make");
        Assert.True(firstFrontend.Process.HasExited);

        using var reader = system.Client(fixture.AcmeKey);
        var first = await reader.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        var second = await reader.GetByteArrayAsync($"/v1/audio/jobs/{id}/content");
        Assert.Equal(done.GetProperty("bytes").GetInt64(), first.Length);
        Assert.True(first.AsSpan().SequenceEqual(second), "the stored audio is the same bytes on every read");
        Assert.True(first[0] == 0xFF || Encoding.ASCII.GetString(first, 0, 3) == "ID3", "an MP3 file");

        // Timestamps come from the segments the grain recorded, whichever frontend made them: they still cover the text.
        using (var timestamps = JsonDocument.Parse(await reader.GetStringAsync($"/v1/audio/jobs/{id}/timestamps")))
        {
            var segments = timestamps.RootElement.GetProperty("segments").EnumerateArray().ToList();
            Assert.Equal(total, segments.Count);
            TimestampAsserts.CoverInOrder(text, segments, done.GetProperty("audio_seconds").GetDouble());
        }

        using var range = new HttpRequestMessage(HttpMethod.Get, $"/v1/audio/jobs/{id}/content");
        range.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var partial = await reader.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        var slice = await partial.Content.ReadAsByteArrayAsync();
        Assert.True(first.AsSpan(1000, 1000).SequenceEqual(slice), "a range is that slice of the file");

        await Eventually.HoldsAsync(async () => await reader.GetStringAsync("/v1/usage"),
            body => JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray()
                .Any(r => r.GetProperty("request_id").GetString() == id && r.GetProperty("characters").GetInt32() == characters),
            TimeSpan.FromSeconds(15), "the job's usage record");
    }

    /// <summary>Varied English sentences up to <paramref name="length"/> characters (varied so segments differ).</summary>
    private static string LongText(int length)
    {
        string[] subjects = ["The river", "A quiet engineer", "The old library", "Every morning train", "The northern wind", "A patient teacher", "The small harbour"];
        string[] verbs = ["carries", "remembers", "explains", "follows", "gathers", "measures", "answers"];
        string[] objects = ["the stories of the valley", "a list of careful numbers", "the sound of distant bells", "the lessons of the season", "every letter it receives", "the shape of the coastline"];
        var text = new StringBuilder();
        for (var i = 0; text.Length < length; i++)
        {
            var sentence = $"{subjects[i % subjects.Length]} {verbs[(i / 3) % verbs.Length]} {objects[(i / 2) % objects.Length]}, and chapter {i + 1} continues. ";
            if (text.Length + sentence.Length > length)
            {
                break;
            }

            text.Append(sentence);
        }

        return text.ToString().TrimEnd();
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
