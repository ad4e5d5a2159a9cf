using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>The WebSocket text-in endpoint over real sockets against silo processes and PostgreSQL.</summary>
[Collection(SystemCollection.Name)]
public sealed class SpeechStreamTests(SystemFixture fixture)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    private static object Config(string format = "pcm") => new { type = "session.config", voice = "alloy", response_format = format, seed = 7 };

    [Fact]
    public async Task Text_split_mid_word_and_mid_sentence_comes_back_as_sentences_in_order_then_session_done()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config());
        foreach (var piece in new[] { "Hel", "lo the", "re. This is the sec", "ond sen", "tence! And", " a third one without an end" })
        {
            await client.SendAsync(new { type = "input.text", text = piece });
        }

        await client.SendAsync(new { type = "input.done" });
        var close = await client.ReadToCloseAsync(Limit);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
        var starts = client.Events("audio.start").ToList();
        Assert.Equal(["Hello there.", "This is the second sentence!", "And a third one without an end"],
            starts.Select(s => s.GetProperty("sentence_text").GetString()));
        Assert.Equal([0, 1, 2], starts.Select(s => s.GetProperty("sentence_index").GetInt32()));
        Assert.All(starts, s => Assert.Equal(24000, s.GetProperty("sample_rate").GetInt32()));
        AssertAudioBetweenStartAndDone(client, 3);
        var done = client.Events("session.done").Single();
        Assert.Equal(3, done.GetProperty("total_sentences").GetInt32());
        Assert.Equal(client.Received.Sum(r => r.Bytes), done.GetProperty("total_bytes").GetInt64());
        Assert.True(done.GetProperty("audio_seconds").GetDouble() > 0.5);
        Assert.Equal("Hello there.This is the second sentence!And a third one without an end".Length, done.GetProperty("characters").GetInt32());
        Assert.True(done.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task Chinese_without_spaces_is_cut_at_its_sentence_ends_and_wav_sentences_each_start_with_a_header()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config("wav"));
        foreach (var piece in new[] { "今天天", "气很好。我们", "去公园散步吧！然后", "回家吃饭" })
        {
            await client.SendAsync(new { type = "input.text", text = piece });
        }

        await client.SendAsync(new { type = "input.done" });
        var close = await client.ReadToCloseAsync(Limit);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
        Assert.Equal(["今天天气很好。", "我们去公园散步吧！", "然后回家吃饭"], client.Events("audio.start").Select(s => s.GetProperty("sentence_text").GetString()));
        Assert.All(client.Events("audio.start"), s => Assert.Equal("wav", s.GetProperty("format").GetString()));
        AssertAudioBetweenStartAndDone(client, 3);
    }

    [Fact]
    public async Task A_long_text_runs_on_several_cards_and_its_sentences_still_arrive_strictly_in_order()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config());
        var sentences = Enumerable.Range(1, 8).Select(i => $"Sentence number {i} is here.").ToList();
        await client.SendAsync(new { type = "input.text", text = string.Join(" ", sentences) + " " });
        await client.SendAsync(new { type = "input.done" });
        var close = await client.ReadToCloseAsync(Limit);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
        Assert.Equal(sentences, client.Events("audio.start").Select(s => s.GetProperty("sentence_text").GetString()));
        AssertAudioBetweenStartAndDone(client, 8);
        var devices = client.Events("audio.done").Select(d => d.GetProperty("device").GetString()).Distinct().ToList();
        Assert.True(devices.Count >= 2, $"sentences ran on {string.Join(", ", devices)}");
    }

    [Fact]
    public async Task A_session_is_metered_once_with_the_characters_it_spoke()
    {
        var key = await fixture.System.CreateTenantAsync("stream-meter-" + Guid.NewGuid().ToString("N")[..6]);
        await using (var client = await StreamClient.ConnectAsync(fixture.System.Frontend, key))
        {
            await client.SendAsync(Config());
            await client.SendAsync(new { type = "input.text", text = "One sentence. Two sentences. " });
            await client.SendAsync(new { type = "input.text", text = "Three." });
            await client.SendAsync(new { type = "input.done" });
            Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));
            var requestId = client.Events("session.done").Single().GetProperty("request_id").GetString();

            using var http = fixture.System.Client(key);
            var records = await TestSupport.Eventually.HoldsAsync(async () =>
            {
                using var json = JsonDocument.Parse(await http.GetStringAsync("/v1/usage"));
                return json.RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).ToList();
            }, r => r.Count > 0, TimeSpan.FromSeconds(20), "the usage record");

            var record = Assert.Single(records);
            Assert.Equal(requestId, record.GetProperty("request_id").GetString());
            Assert.Equal("/v1/audio/speech/stream", record.GetProperty("endpoint").GetString());
            Assert.Equal("One sentence.Two sentences.Three.".Length, record.GetProperty("characters").GetInt32());
            Assert.Equal("completed", record.GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task A_tenant_out_of_characters_gets_an_error_and_close_4429()
    {
        var key = await fixture.System.CreateTenantAsync("stream-quota-" + Guid.NewGuid().ToString("N")[..6], charactersPerDay: 20);
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, key);
        await client.SendAsync(Config());
        await client.SendAsync(new { type = "input.text", text = "This sentence alone is longer than twenty characters. " });

        var close = await client.ReadToCloseAsync(Limit);

        Assert.Equal(4429, (int?)close);
        Assert.Equal("quota_exceeded", client.Events("error").Single().GetProperty("code").GetString());
    }

    [Fact]
    public async Task Session_config_takes_pitch_and_volume_keeping_each_sentence_s_length_and_speed_changing_it()
    {
        async Task<List<int>> SentenceBytesAsync(object config)
        {
            await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
            await client.SendAsync(config);
            await client.SendAsync(new { type = "input.text", text = "A first sentence. And a second one." });
            await client.SendAsync(new { type = "input.done" });
            Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));
            AssertAudioBetweenStartAndDone(client, 2);
            return [.. client.Events("audio.done").Select(d => d.GetProperty("total_bytes").GetInt32())];
        }

        var plain = await SentenceBytesAsync(Config());
        var shifted = await SentenceBytesAsync(new { type = "session.config", voice = "alloy", response_format = "pcm", seed = 7, pitch = 5, volume = 0.8 });
        var faster = await SentenceBytesAsync(new { type = "session.config", voice = "alloy", response_format = "pcm", seed = 7, speed = 2 });

        Assert.Equal(2, shifted.Count);
        Assert.All(plain.Zip(shifted), p => Assert.InRange(p.Second, p.First - 4, p.First + 4));
        Assert.Equal(2, faster.Count);
        Assert.All(plain.Zip(faster), p => Assert.InRange(p.Second, p.First * 0.45, p.First * 0.55)); // speed 2: each sentence half as long
    }

    [Fact]
    public async Task A_tenant_with_the_ai_notice_hears_the_morse_rhythm_once_before_its_first_sentence()
    {
        var tenant = "notice-" + Guid.NewGuid().ToString("N")[..6];
        var key = await fixture.System.CreateTenantAsync(tenant);
        await using (var data = Npgsql.NpgsqlDataSource.Create(fixture.System.ConnectionString))
        {
            Assert.NotNull(await new QwenTts.Storage.Tenants.TenantStore(data).SetAiNoticeAsync(tenant, "morse"));
        }

        async Task<(List<int> Bytes, List<double> Starts)> SessionAsync(string apiKey)
        {
            await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, apiKey);
            await client.SendAsync(Config());
            await client.SendAsync(new { type = "input.text", text = "A first sentence. And a second one." });
            await client.SendAsync(new { type = "input.done" });
            Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));
            return ([.. client.Events("audio.done").Select(d => d.GetProperty("total_bytes").GetInt32())],
                [.. client.Events("audio.start").Select(d => d.GetProperty("audio_start").GetDouble())]);
        }

        var plain = await SessionAsync(fixture.AcmeKey);
        var labelled = await SessionAsync(key);

        var notice = 24000 * QwenTts.Audio.AiNoticeRhythm.Milliseconds / 1000; // samples, 16-bit
        Assert.Equal(plain.Bytes[0] + (2 * notice), labelled.Bytes[0]); // in the first sentence's stream, before its speech
        Assert.Equal(plain.Bytes[1], labelled.Bytes[1]);                // and only there
        Assert.Equal(plain.Starts[0] + (notice / 24000.0), labelled.Starts[0], 3); // the sentences' times start after it
        Assert.Equal(plain.Starts[1] + (notice / 24000.0), labelled.Starts[1], 3);
    }

    [Theory]
    [InlineData("pitch", -13.0, "pitch -13 is out of range")]
    [InlineData("volume", 9.0, "volume 9 is out of range")]
    public async Task Session_config_refuses_a_pitch_or_volume_out_of_range_by_name(string field, double value, string message)
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendRawAsync($$"""{"type": "session.config", "voice": "alloy", "{{field}}": {{value}}}""");

        await client.ReadToCloseAsync(Limit);

        var error = client.Events("error").Single();
        Assert.Equal("invalid_config", error.GetProperty("code").GetString());
        Assert.Contains(message, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string[], string, int> Misuses => new()
    {
        { "bad JSON", ["{\"type\": \"input.text\", \"text\": "], "invalid_json", 1007 },
        { "unknown type", ["{\"type\": \"input.bogus\"}"], "unknown_type", 1008 },
        { "text before config", ["{\"type\": \"input.text\", \"text\": \"Hi.\"}"], "wrong_order", 1008 },
        { "config twice", ["{\"type\": \"session.config\", \"voice\": \"alloy\"}"], "wrong_order", 1008 },
        { "text after input.done", ["{\"type\": \"input.text\", \"text\": \"A sentence to speak first.\"}", "{\"type\": \"input.done\"}", "{\"type\": \"input.text\", \"text\": \"late\"}"], "wrong_order", 1008 },
        { "text not a string", ["{\"type\": \"input.text\", \"text\": 42}"], "invalid_message", 1007 },
        { "oversized message", ["{\"type\": \"input.text\", \"text\": \"" + new string('a', 20_000) + "\"}"], "message_too_big", 1009 },
        { "speed out of range", [], "invalid_config", 1007 },
        { "unknown voice", [], "invalid_config", 1007 },
        { "unknown config field", [], "invalid_config", 1007 },
        { "field input.text does not take", ["{\"type\": \"input.text\", \"text\": \"Hi.\", \"emotion\": 2}"], "invalid_message", 1007 },
        { "field input.clear does not take", ["{\"type\": \"input.clear\", \"text\": \"Hi.\"}"], "invalid_message", 1007 },
        { "cancel before config", ["{\"type\": \"response.cancel\"}"], "wrong_order", 1008 },
    };

    [Theory]
    [MemberData(nameof(Misuses))]
    public async Task Every_misuse_gets_an_error_event_then_its_close_code(string name, string[] messages, string code, int closeCode)
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        switch (name)
        {
            case "text before config" or "cancel before config":
                break;
            case "speed out of range":
                await client.SendAsync(new { type = "session.config", voice = "alloy", speed = 5 });
                break;
            case "unknown voice":
                await client.SendAsync(new { type = "session.config", voice = new { id = "no-such-voice" } });
                break;
            case "unknown config field":
                await client.SendAsync(new { type = "session.config", voice = "alloy", emotion = "calm" });
                break;
            default:
                await client.SendAsync(Config());
                break;
        }

        foreach (var message in messages)
        {
            await client.SendRawAsync(message);
        }

        var close = await client.ReadToCloseAsync(Limit);

        var error = client.Events("error").Single();
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(closeCode, error.GetProperty("close_code").GetInt32());
        Assert.Equal(closeCode, (int?)close);
    }

    [Fact]
    public async Task Unpunctuated_text_that_stalls_is_spoken_without_waiting_for_input_done()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config());
        await client.SendAsync(new { type = "input.text", text = "an answer that never ends with a full stop" });

        await client.ReadToCloseAsync(TimeSpan.FromSeconds(10), e => e.GetProperty("type").GetString() == "audio.start");
        await client.SendAsync(new { type = "input.done" });
        var close = await client.ReadToCloseAsync(Limit);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
        Assert.Equal("an answer that never ends with a full stop", client.Events("audio.start").Single().GetProperty("sentence_text").GetString());
        Assert.Equal(1, client.Events("session.done").Single().GetProperty("total_sentences").GetInt32());
    }

    [Fact]
    public async Task Session_close_stops_the_work_and_reports_what_was_spoken()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config());
        await client.SendAsync(new { type = "input.text", text = string.Join(" ", Enumerable.Range(1, 10).Select(i => $"Sentence {i} of a session closed early.")) + " " });
        await client.ReadToCloseAsync(Limit, e => e.GetProperty("type").GetString() == "audio.done");
        await client.SendAsync(new { type = "session.close" });

        var close = await client.ReadToCloseAsync(Limit);

        Assert.Equal(WebSocketCloseStatus.NormalClosure, close);
        var done = client.Events("session.done").Single();
        Assert.InRange(done.GetProperty("total_sentences").GetInt32(), 1, 9);
        Assert.Empty(client.Events("error"));
    }

    [Fact]
    public async Task Sentences_a_closed_session_never_spoke_give_their_characters_back()
    {
        var sentences = Enumerable.Range(1, 9).Select(i => $"Sentence {i} of a session closed early.").ToList();
        var perSentence = sentences[0].Length;
        // Today's allowance is exactly the session's text, and every sentence is reserved as it arrives: after the session
        // one more sentence fits only if the sentences it never spoke were given back.
        var key = await fixture.System.CreateTenantAsync("stream-giveback-" + Guid.NewGuid().ToString("N")[..6], charactersPerDay: perSentence * sentences.Count);
        await using (var client = await StreamClient.ConnectAsync(fixture.System.Frontend, key))
        {
            await client.SendAsync(Config());
            await client.SendAsync(new { type = "input.text", text = string.Join(" ", sentences) + " " });
            await client.ReadToCloseAsync(Limit, e => e.GetProperty("type").GetString() == "audio.done");
            await client.SendAsync(new { type = "session.close" });
            Assert.Equal(WebSocketCloseStatus.NormalClosure, await client.ReadToCloseAsync(Limit));
        }

        using var http = fixture.System.Client(key);
        var record = await TestSupport.Eventually.HoldsAsync(async () =>
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/v1/usage"));
            return json.RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).FirstOrDefault();
        }, r => r.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(20), "the session's usage record");
        // Metered: the sentences whose audio started, at least the one that was done, never all of them.
        Assert.InRange(record.GetProperty("characters").GetInt32(), perSentence, perSentence * (sentences.Count - 1));

        using var response = await http.PostAsJsonAsync("/v1/audio/speech", new { input = sentences[0], voice = "alloy", response_format = "pcm" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/pcm", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_session_that_goes_quiet_is_closed_with_4408()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(Config());
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var close = await client.ReadToCloseAsync(TimeSpan.FromSeconds(20));

        Assert.Equal(4408, (int?)close);
        Assert.Equal("idle_timeout", client.Events("error").Single().GetProperty("code").GetString());
        Assert.InRange(watch.Elapsed.TotalSeconds, 2, 15);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_at_the_handshake_and_a_browser_may_send_its_key_as_a_subprotocol()
    {
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => StreamClient.ConnectAsync(fixture.System.Frontend, "qtts_wrongwrongwrongwrongwrongwrong"));
        var anonymous = await Assert.ThrowsAsync<WebSocketException>(() => StreamClient.ConnectAsync(fixture.System.Frontend, null));
        Assert.Contains("401", refused.Message + refused.InnerException?.Message, StringComparison.Ordinal);
        Assert.Contains("401", anonymous.Message + anonymous.InnerException?.Message, StringComparison.Ordinal);

        await using var browser = await StreamClient.ConnectAsync(fixture.System.Frontend, null, options =>
        {
            options.AddSubProtocol("qwentts");
            options.AddSubProtocol("qwentts.key." + fixture.AcmeKey);
        });
        Assert.Equal("qwentts", browser.Socket.SubProtocol);
        await browser.SendAsync(Config());
        await browser.SendAsync(new { type = "input.text", text = "Hello." });
        await browser.SendAsync(new { type = "input.done" });
        Assert.Equal(WebSocketCloseStatus.NormalClosure, await browser.ReadToCloseAsync(Limit));
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_has_its_work_cancelled_and_the_cards_freed()
    {
        var key = await fixture.System.CreateTenantAsync("stream-gone-" + Guid.NewGuid().ToString("N")[..6]);
        var client = await StreamClient.ConnectAsync(fixture.System.Frontend, key);
        await client.SendAsync(Config());
        var text = string.Join(" ", Enumerable.Range(1, 12).Select(i => $"This is a rather long sentence number {i}, spoken slowly by the cluster."));
        await client.SendAsync(new { type = "input.text", text = text + " " });
        await client.ReadToCloseAsync(Limit, e => e.GetProperty("type").GetString() == "audio.start");

        await client.DisposeAsync(); // abort: no close frame

        using var http = fixture.System.Client(key);
        await TestSupport.Eventually.HoldsAsync(async () =>
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/v1/devices"));
            return json.RootElement.GetProperty("data").EnumerateArray().Sum(d => d.GetProperty("active").GetInt32() + d.GetProperty("queued").GetInt32());
        }, busy => busy == 0, TimeSpan.FromSeconds(15), "every card idle after the client left");
        var record = await TestSupport.Eventually.HoldsAsync(async () =>
        {
            using var json = JsonDocument.Parse(await http.GetStringAsync("/v1/usage"));
            return json.RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).FirstOrDefault();
        }, r => r.ValueKind == JsonValueKind.Object, TimeSpan.FromSeconds(20), "the usage record");
        Assert.Equal("cancelled", record.GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_plain_http_get_is_told_to_use_a_websocket()
    {
        using var http = fixture.System.Client(fixture.AcmeKey);
        using var response = await http.GetAsync("/v1/audio/speech/stream");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebSocket", await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    /// <summary>Each sentence: audio.start, at least one binary frame, audio.done with the same index and the bytes sent between.</summary>
    private static void AssertAudioBetweenStartAndDone(StreamClient client, int sentences)
    {
        var index = -1;
        long bytes = 0;
        var open = false;
        var done = 0;
        foreach (var (e, size, _) in client.Received)
        {
            if (e is null)
            {
                Assert.True(open, "audio outside a sentence");
                bytes += size;
                continue;
            }

            switch (e.Value.GetProperty("type").GetString())
            {
                case "audio.start":
                    Assert.False(open);
                    Assert.Equal(index + 1, e.Value.GetProperty("sentence_index").GetInt32());
                    (index, bytes, open) = (index + 1, 0, true);
                    break;
                case "audio.done":
                    Assert.True(open);
                    Assert.Equal(index, e.Value.GetProperty("sentence_index").GetInt32());
                    Assert.True(bytes > 0);
                    Assert.Equal(bytes, e.Value.GetProperty("total_bytes").GetInt64());
                    Assert.True(e.Value.GetProperty("seconds").GetDouble() > 0);
                    Assert.False(string.IsNullOrEmpty(e.Value.GetProperty("device").GetString()));
                    open = false;
                    done++;
                    break;
            }
        }

        Assert.Equal(sentences, done);
    }
}
