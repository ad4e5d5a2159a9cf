using System.Net;
using System.Text.Json;
using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>Sentence timestamps: SSE's speech.audio.segment events over real HTTP against the running system.</summary>
[Collection(SystemCollection.Name)]
public sealed class TimestampTests(SystemFixture fixture)
{
    /// <summary>Long enough for several segments, with line breaks and doubled spaces that normalisation collapses.</summary>
    public const string Passage = "  The first sentence of this passage is long enough to matter a little.\n\nThe second one follows it,  " +
                                  "with a pause between. A third sentence keeps the segmenter busy for a while longer.\r\n" +
                                  "And the fourth closes the passage, so that there are at least two segments to time.  ";

    [Fact]
    public async Task Server_sent_events_time_each_segment_in_text_order_and_end_with_the_audio()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { input = Passage, voice = "echo", response_format = "pcm", stream_format = "sse", speed = 1.25 });
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var types = events.Select(e => e.GetProperty("type").GetString()).ToList();
        var segments = events.Where(e => e.GetProperty("type").GetString() == "speech.audio.segment").ToList();
        var pcm = events.Where(e => e.GetProperty("type").GetString() == "speech.audio.delta")
            .Sum(e => Convert.FromBase64String(e.GetProperty("audio").GetString()!).Length);
        Assert.True(segments.Count >= 2, $"{segments.Count} segment events: {string.Join(",", types)}");
        Assert.Equal("speech.audio.done", types[^1]);
        TimestampAsserts.CoverInOrder(Passage, segments, pcm / 2 / 24000.0);
        // Each segment's event comes once its audio is sent: after at least one delta, the first before the last delta.
        Assert.True(types.IndexOf("speech.audio.segment") > types.IndexOf("speech.audio.delta"));
        Assert.True(types.IndexOf("speech.audio.segment") < types.LastIndexOf("speech.audio.delta"));
    }

    [Fact]
    public async Task Ssml_segments_have_no_text_offsets_and_their_audio_leaves_room_for_each_break()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new
        {
            input = "<speak>The first part is spoken.<break time=\"1s\"/>The second part follows the break.</speak>", input_format = "ssml",
            voice = "echo", response_format = "pcm", stream_format = "sse",
        });
        var segments = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).Where(e => e.GetProperty("type").GetString() == "speech.audio.segment").ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["The first part is spoken.", "The second part follows the break."], segments.Select(s => s.GetProperty("text").GetString()));
        Assert.All(segments, s => Assert.Equal(JsonValueKind.Null, s.GetProperty("text_start").ValueKind));
        Assert.Equal(1.0, segments[1].GetProperty("audio_start").GetDouble() - segments[0].GetProperty("audio_end").GetDouble(), 3);
    }
}
