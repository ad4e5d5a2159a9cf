using System.Diagnostics;
using System.Net;
using System.Text.Json;
using QwenTts.Audio;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>POST /v1/audio/speech over real HTTP against two silo processes and PostgreSQL.</summary>
[Collection(SystemCollection.Name)]
public sealed class SpeechEndpointTests(SystemFixture fixture)
{
    [Theory]
    [InlineData("wav", "audio/wav")]
    [InlineData("pcm", "audio/pcm")]
    [InlineData("mp3", "audio/mpeg")]
    [InlineData("flac", "audio/flac")]
    [InlineData("opus", "audio/ogg")]
    public async Task Every_format_comes_back_with_its_content_type_and_a_valid_stream(string format, string contentType)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { model = "tts-1", input = SpeechApi.TwoSentences, voice = "alloy", response_format = format });
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("X-Request-Id"));
        switch (format)
        {
            case "wav":
                var (samples, rate, channels) = WavFormat.Read(bytes);
                Assert.Equal((24000, 1), (rate, channels));
                Assert.True(samples.Length > 24000, $"{samples.Length} samples");
                break;
            case "pcm":
                Assert.Equal(0, bytes.Length % 2);
                Assert.True(bytes.Length > 48000);
                break;
            case "mp3":
                using (var mp3 = new NLayer.MpegFile(new MemoryStream(bytes)))
                {
                    var decoded = new float[24000 * 30];
                    Assert.True(mp3.ReadSamples(decoded, 0, decoded.Length) > 24000);
                }

                break;
            case "flac":
                Assert.Equal("fLaC"u8.ToArray(), bytes[..4]);
                break;
            case "opus":
                Assert.Equal("OggS"u8.ToArray(), bytes[..4]);
                Assert.True(bytes.AsSpan().IndexOf("OpusHead"u8) > 0);
                break;
        }
    }

    [Fact]
    public async Task The_first_bytes_arrive_long_before_synthesis_of_a_long_input_ends()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var text = string.Join(" ", Enumerable.Range(1, 6).Select(i => $"This is sentence number {i} of a longer passage that is spoken in segments."));
        var watch = Stopwatch.StartNew();

        using var response = await SpeechApi.PostAsync(client, new { input = text, voice = "nova", response_format = "pcm" }, HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        var first = await body.ReadAsync(buffer);
        var firstAt = watch.Elapsed;
        long total = first;
        int read;
        while ((read = await body.ReadAsync(buffer)) > 0)
        {
            total += read;
        }

        var endAt = watch.Elapsed;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength); // chunked: sent as it is made
        Assert.True(first > 0);
        Assert.True(firstAt < endAt / 3, $"first bytes after {firstAt.TotalSeconds:F2} s, last after {endAt.TotalSeconds:F2} s");
        Assert.True(total > 24000 * 2 * 5, $"{total} bytes for six sentences");
    }

    [Fact]
    public async Task Server_sent_events_carry_base64_audio_deltas_then_a_done_event_with_usage()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { input = "Short and sweet.", voice = "echo", response_format = "pcm", stream_format = "sse" });
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var deltas = events.Where(e => e.GetProperty("type").GetString() == "speech.audio.delta").ToList();
        Assert.All(events[..^1], e => Assert.Contains(e.GetProperty("type").GetString(), new[] { "speech.audio.delta", "speech.audio.segment" }));
        var audio = deltas.SelectMany(e => Convert.FromBase64String(e.GetProperty("audio").GetString()!)).ToArray();
        Assert.True(audio.Length > 10_000);
        Assert.Equal("speech.audio.done", events[^1].GetProperty("type").GetString());
        Assert.Equal("Short and sweet.".Length, events[^1].GetProperty("usage").GetProperty("input_tokens").GetInt32());
    }

    [Fact]
    public async Task The_same_seed_voice_and_text_give_the_same_audio()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var body = new { input = "Reproducible.", instructions = "A gravelly old man", response_format = "pcm", seed = 77, language = "english" };

        using var firstResponse = await SpeechApi.PostAsync(client, body);
        using var secondResponse = await SpeechApi.PostAsync(client, body);
        var first = await firstResponse.Content.ReadAsByteArrayAsync();
        var second = await secondResponse.Content.ReadAsByteArrayAsync();

        // Two failures (empty bodies) would also be "equal": both must be audio first.
        Assert.Equal(HttpStatusCode.OK, firstResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondResponse.StatusCode);
        Assert.Equal("audio/pcm", firstResponse.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task Speed_changes_the_duration()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        object Body(double speed) => new { input = "Tempo test sentence.", voice = "sage", response_format = "pcm", seed = 5, speed };

        using var normalResponse = await SpeechApi.PostAsync(client, Body(1.0));
        using var fastResponse = await SpeechApi.PostAsync(client, Body(2.0));
        var normal = (await normalResponse.Content.ReadAsByteArrayAsync()).Length;
        var fast = (await fastResponse.Content.ReadAsByteArrayAsync()).Length;

        Assert.Equal(HttpStatusCode.OK, normalResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fastResponse.StatusCode);
        Assert.True(normal > 0);
        Assert.InRange(fast, normal / 2 - 4, normal / 2 + 4);
    }

    [Fact]
    public async Task Pitch_keeps_the_duration_and_volume_scales_the_loudness()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        object Body(double pitch, double volume) => new { input = "Pitch test sentence.", voice = "sage", response_format = "pcm", seed = 5, pitch, volume };

        using var normalResponse = await SpeechApi.PostAsync(client, Body(0, 1));
        using var quieterResponse = await SpeechApi.PostAsync(client, Body(0, 0.5));
        using var higherResponse = await SpeechApi.PostAsync(client, Body(4, 2));
        var normal = Pcm(await normalResponse.Content.ReadAsByteArrayAsync());
        var quieter = Pcm(await quieterResponse.Content.ReadAsByteArrayAsync());
        var higher = Pcm(await higherResponse.Content.ReadAsByteArrayAsync());

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { normalResponse.StatusCode, quieterResponse.StatusCode, higherResponse.StatusCode });
        Assert.True(normal.Length > 0);
        Assert.Equal(normal.Length, quieter.Length);
        Assert.InRange(Rms(quieter) / Rms(normal), 0.49, 0.51);
        Assert.InRange(higher.Length, normal.Length - 2, normal.Length + 2);
        Assert.NotEqual(normal, higher);
        Assert.All(higher, s => Assert.InRange(s, -29205, 29205)); // -1 dBFS: the limiter's ceiling
    }

    [Fact]
    public async Task Pitch_and_volume_stream_as_server_sent_events()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { input = "Short and sweet.", voice = "echo", response_format = "pcm", stream_format = "sse", pitch = -3.5, volume = 1.5 });
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deltas = events.Where(e => e.GetProperty("type").GetString() == "speech.audio.delta").ToList();
        Assert.All(events[..^1], e => Assert.Contains(e.GetProperty("type").GetString(), new[] { "speech.audio.delta", "speech.audio.segment" }));
        Assert.True(deltas.Sum(e => Convert.FromBase64String(e.GetProperty("audio").GetString()!).Length) > 10_000);
        Assert.Equal("speech.audio.done", events[^1].GetProperty("type").GetString());
    }

    private static short[] Pcm(byte[] bytes) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(bytes).ToArray();

    private static double Rms(short[] samples) => Math.Sqrt(samples.Average(s => (double)s * s));

    [Fact]
    public async Task The_official_openai_sdk_works_unchanged_but_for_its_base_url()
    {
        var client = new OpenAI.Audio.AudioClient("gpt-4o-mini-tts", new System.ClientModel.ApiKeyCredential(fixture.AcmeKey),
            new OpenAI.OpenAIClientOptions { Endpoint = new Uri(fixture.System.Frontend, "/v1") });

        var speech = await client.GenerateSpeechAsync("Hello from the OpenAI SDK.", OpenAI.Audio.GeneratedSpeechVoice.Nova,
            new OpenAI.Audio.SpeechGenerationOptions { ResponseFormat = OpenAI.Audio.GeneratedSpeechFormat.Wav, SpeedRatio = 1.0f });

        var (samples, rate, _) = WavFormat.Read(speech.Value.ToArray());
        Assert.Equal(24000, rate);
        Assert.True(samples.Length > 1920);
    }
}
