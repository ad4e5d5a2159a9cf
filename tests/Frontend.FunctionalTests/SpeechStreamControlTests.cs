using System.Net.WebSockets;
using System.Text.Json;
using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>The WebSocket session's sentence offsets, input.clear and response.cancel (barge-in), over real sockets.</summary>
[Collection(SystemCollection.Name)]
public sealed class SpeechStreamControlTests(SystemFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private static object Config() => new { type = "session.config", voice = "alloy", response_format = "pcm", seed = 7 };

    private static bool Is(JsonElement e, string type) => e.GetProperty("type").GetString() == type;

    [Fact]
    public async Task Each_sentence_names_its_range_of_the_session_text_and_of_the_session_audio()
    {
        string[] pieces = ["  Hel", "lo the", "re.\n This is the sec", "ond sen", "tence!  And", " a third one without an end"];
        var text = string.Concat(pieces);
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config());
        foreach (var piece in pieces)
        {
            await client.SendAsync(new { type = "input.text", text = piece });
        }

        await client.SendAsync(new { type = "input.done" });
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));

        var starts = client.Events("audio.start").ToList();
        var dones = client.Events("audio.done").ToList();
        var seconds = client.Received.Sum(r => r.Bytes) / 2 / 24000.0;
        Assert.Equal(3, dones.Count);
        var stamps = starts.Zip(dones, (start, done) =>
        {
            Assert.Equal(start.GetProperty("text_start").GetInt32(), done.GetProperty("text_start").GetInt32());
            Assert.Equal(start.GetProperty("audio_start").GetDouble(), done.GetProperty("audio_start").GetDouble());
            return JsonSerializer.SerializeToElement(new
            {
                text = start.GetProperty("sentence_text").GetString(),
                text_start = done.GetProperty("text_start").GetInt32(),
                text_end = done.GetProperty("text_end").GetInt32(),
                audio_start = done.GetProperty("audio_start").GetDouble(),
                audio_end = done.GetProperty("audio_end").GetDouble(),
            });
        }).ToList();
        TimestampAsserts.CoverInOrder(text, stamps, seconds);
        // No pause between a session's sentences: each starts where the last ended.
        Assert.Equal(stamps.Skip(1).Select(s => s.GetProperty("audio_start").GetDouble()), stamps.SkipLast(1).Select(s => s.GetProperty("audio_end").GetDouble()));
    }

    [Fact]
    public async Task Input_clear_drops_the_text_not_yet_speaking_and_only_what_was_spoken_is_metered()
    {
        var key = await fixture.System.CreateTenantAsync("stream-clear-" + Guid.NewGuid().ToString("N")[..6]);
        string[] queued = ["First sentence is spoken here.", "Second sentence is probably cleared.", "Third sentence is probably cleared too."];
        const string tail = "and this unfinished tail is never spoken";
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, key);
        await client.SendAsync(Config());
        await client.SendAsync(new { type = "input.text", text = string.Join(" ", queued) + " " + tail });
        await client.SendAsync(new { type = "input.clear" });
        await client.ReadToCloseAsync(Limit, e => Is(e, "input.cleared"));
        await client.SendAsync(new { type = "input.text", text = "Last one." });
        await client.SendAsync(new { type = "input.done" });
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));

        var cleared = client.Events("input.cleared").Single();
        var spoken = client.Events("audio.done").Select(d => client.Events("audio.start")
            .Single(s => s.GetProperty("sentence_index").GetInt32() == d.GetProperty("sentence_index").GetInt32()).GetProperty("sentence_text").GetString()!).ToList();
        var dropped = queued.Except(spoken).ToList();
        Assert.Equal("Last one.", spoken[^1]);
        Assert.DoesNotContain(spoken, s => s.Contains("tail", StringComparison.Ordinal));
        Assert.Equal(dropped.Count, cleared.GetProperty("sentences").GetInt32());
        Assert.Equal(" ".Length + tail.Length + dropped.Sum(s => s.Length), cleared.GetProperty("characters").GetInt32());
        Assert.Equal(spoken.Sum(s => s.Length), client.Events("session.done").Single().GetProperty("characters").GetInt32());
        Assert.Equal(spoken.Sum(s => s.Length), (await UsageAsync(key)).GetProperty("characters").GetInt32());
    }

    [Fact]
    public async Task Response_cancel_stops_the_sentence_speaking_now_and_the_session_then_speaks_new_text()
    {
        var key = await fixture.System.CreateTenantAsync("stream-cancel-" + Guid.NewGuid().ToString("N")[..6]);
        var first = "This first sentence is long on purpose, so that it is still being spoken when the client interrupts it, " +
                    "as a listener does when they start to talk over a voice agent that goes on and on about nothing at all.";
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, key);
        await client.SendAsync(Config());
        await client.SendAsync(new { type = "input.text", text = first + " " });
        await client.ReadToCloseAsync(Limit, e => Is(e, "audio.start"));
        await client.SendAsync(new { type = "response.cancel" });
        await client.ReadToCloseAsync(Limit, e => Is(e, "audio.cancelled"));
        var ackAt = client.Received.Count;
        await client.SendAsync(new { type = "input.text", text = "A new sentence." });
        await client.SendAsync(new { type = "input.done" });
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));

        var cancelled = client.Events("audio.cancelled").Single();
        Assert.Equal(0, cancelled.GetProperty("sentence_index").GetInt32());
        Assert.Equal(first, cancelled.GetProperty("sentence_text").GetString());
        Assert.DoesNotContain(client.Events("audio.done"), d => d.GetProperty("sentence_index").GetInt32() == 0);
        // Not one frame of the cancelled sentence after its acknowledgment: the next thing is the new sentence's start.
        var next = client.Received[ackAt];
        Assert.True(next.Event is { } e && Is(e, "audio.start"), $"after audio.cancelled came {next.Event?.ToString() ?? $"{next.Bytes} bytes"}");
        var done = Assert.Single(client.Events("audio.done"));
        Assert.Equal(1, done.GetProperty("sentence_index").GetInt32());
        Assert.Equal(cancelled.GetProperty("audio_end").GetDouble(), done.GetProperty("audio_start").GetDouble());
        Assert.Equal("A new sentence.".Length, client.Events("session.done").Single().GetProperty("characters").GetInt32());
        // Metered: the cancelled sentence had started its audio, so it counts once, with the new one; nothing more.
        Assert.Equal(first.Length + "A new sentence.".Length, (await UsageAsync(key)).GetProperty("characters").GetInt32());
    }

    [Fact]
    public async Task Response_cancel_with_nothing_speaking_says_so_and_the_session_goes_on()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config());
        await client.SendAsync(new { type = "response.cancel" });
        await client.ReadToCloseAsync(Limit, e => Is(e, "audio.cancelled"));
        await client.SendAsync(new { type = "input.text", text = "Spoken after all." });
        await client.SendAsync(new { type = "input.done" });
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));

        Assert.Equal(JsonValueKind.Null, client.Events("audio.cancelled").Single().GetProperty("sentence_index").ValueKind);
        Assert.Equal(1, client.Events("session.done").Single().GetProperty("total_sentences").GetInt32());
    }

    private async Task<JsonElement> UsageAsync(string key)
    {
        using var http = fixture.System.Client(key);
        return await Eventually.HoldsAsync(async () =>
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/v1/usage"));
            return json.RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).FirstOrDefault();
        }, r => r.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(20), "the session's usage record");
    }
}
