using System.Buffers.Binary;
using System.Net;
using QwenTts.Audio;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>
/// sample_rate and the G.711 telephony formats over real HTTP, SSE and the WebSocket: the same request (voice, seed,
/// text) at 24 kHz is the yardstick for length, and ffmpeg, not our code, decodes the G.711 bytes.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class OutputRateTests(SystemFixture fixture)
{
    private static object Body(string format, int? sampleRate = null, string? streamFormat = null) => new
    {
        input = SpeechApi.TwoSentences, voice = "alloy", seed = 29, language = "english", response_format = format, sample_rate = sampleRate,
        stream_format = streamFormat,
    };

    private async Task<float[]> ModelRateAsync(HttpClient client)
    {
        using var response = await SpeechApi.PostAsync(client, Body("pcm"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Pcm16(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("pcm_mulaw", "mulaw", "audio/PCMU")]
    [InlineData("pcm_alaw", "alaw", "audio/PCMA")]
    public async Task G711_at_8_kHz_decodes_with_ffmpeg_to_the_model_rate_audio_a_third_as_long(string format, string ffmpegFormat, string contentType)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var reference = await ModelRateAsync(client);

        using var response = await SpeechApi.PostAsync(client, Body(format));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(reference.Length / 3, bytes.Length);
        var decoded = await FfmpegDecodeAsync(bytes, ffmpegFormat);
        Assert.Equal(bytes.Length, decoded.Length);
        var expected = Resampling.Resample(reference, 24000, 8000);
        Assert.True(Correlation(expected, decoded) > 0.95, $"correlation {Correlation(expected, decoded):F3}");
    }

    [Fact]
    public async Task A_16_kHz_wav_says_16_kHz_and_lasts_as_long_as_the_24_kHz_audio()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var reference = await ModelRateAsync(client);

        using var response = await SpeechApi.PostAsync(client, Body("wav", 16000));
        var (samples, rate, channels) = WavFormat.Read(await response.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal((16000, 1), (rate, channels));
        Assert.Equal(reference.Length * 2 / 3, samples.Length);
    }

    [Fact]
    public async Task Sse_at_48_kHz_carries_twice_the_samples()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var reference = await ModelRateAsync(client);

        using var response = await SpeechApi.PostAsync(client, Body("pcm", 48000, "sse"));
        var audio = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => System.Text.Json.JsonDocument.Parse(e["data: ".Length..]).RootElement)
            .Where(e => e.GetProperty("type").GetString() == "speech.audio.delta")
            .SelectMany(e => Convert.FromBase64String(e.GetProperty("audio").GetString()!)).ToArray();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(reference.Length * 2, audio.Length / 2);
    }

    [Theory]
    [InlineData("wav", 44100, "sample_rate 44100 is not supported; use one of: 8000, 16000, 24000, 48000 (default 24000, the model's rate)")]
    [InlineData("pcm_mulaw", 16000, "sample_rate 16000 is not possible with response_format pcm_mulaw")]
    [InlineData("mp3", 0, "sample_rate 0 is not supported")]
    public async Task A_bad_sample_rate_is_a_400_that_names_the_field_and_the_allowed_values(string format, int sampleRate, string detail)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, Body(format, sampleRate));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_websocket_session_sends_A_law_at_8_kHz()
    {
        await using var client = await StreamClient.ConnectAsync(fixture.System.Frontend, fixture.AcmeKey);
        await client.SendAsync(new { type = "session.config", voice = "alloy", response_format = "pcm_alaw", seed = 7 });
        await client.SendAsync(new { type = "input.text", text = "One sentence for the telephone." });
        await client.SendAsync(new { type = "input.done" });

        await client.ReadToCloseAsync(TimeSpan.FromSeconds(60));

        var start = client.Events("audio.start").Single();
        Assert.Equal(("pcm_alaw", 8000), (start.GetProperty("format").GetString(), start.GetProperty("sample_rate").GetInt32()));
        var done = client.Events("audio.done").Single();
        var seconds = done.GetProperty("seconds").GetDouble();
        Assert.InRange(done.GetProperty("total_bytes").GetInt64(), (long)(seconds * 8000) - 16, (long)(seconds * 8000) + 16);
    }

    private static float[] Pcm16(byte[] bytes)
    {
        var samples = new float[bytes.Length / 2];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(i * 2)) / 32768f;
        }

        return samples;
    }

    /// <summary>Raw G.711 bytes decoded by ffmpeg (installed by deploy/local/setup.sh) to 16-bit samples.</summary>
    private static async Task<float[]> FfmpegDecodeAsync(byte[] g711, string ffmpegFormat)
    {
        var input = Path.Combine(Path.GetTempPath(), $"qwentts-g711-{Guid.NewGuid():N}.raw");
        var output = Path.ChangeExtension(input, ".s16");
        try
        {
            await File.WriteAllBytesAsync(input, g711);
            await WebTools.RunAsync("ffmpeg", $"-hide_banner -nostdin -loglevel error -f {ffmpegFormat} -ar 8000 -ac 1 -i {input} -f s16le -acodec pcm_s16le {output}",
                TimeSpan.FromSeconds(30));
            return Pcm16(await File.ReadAllBytesAsync(output));
        }
        finally
        {
            File.Delete(input);
            File.Delete(output);
        }
    }

    private static double Correlation(float[] a, float[] b)
    {
        var n = Math.Min(a.Length, b.Length);
        double ab = 0, aa = 0, bb = 0;
        for (var i = 0; i < n; i++)
        {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }

        return ab / Math.Sqrt(aa * bb + 1e-12);
    }
}
