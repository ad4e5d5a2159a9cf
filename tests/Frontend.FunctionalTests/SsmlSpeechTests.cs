using System.Net;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>input_format ssml over real HTTP: breaks are silence in the audio, refusals name the element, billing counts spoken text.</summary>
[Collection(SystemCollection.Name)]
public sealed class SsmlSpeechTests(SystemFixture fixture)
{
    private const string First = "Hello from the cluster.";
    private const string Second = "This is the second sentence of the test.";

    [Fact]
    public async Task A_one_second_break_between_two_sentences_is_a_second_of_silence_in_the_audio()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var plainResponse = await SpeechApi.PostAsync(client, new { input = $"{First} {Second}", voice = "alloy", response_format = "pcm", seed = 3 });
        using var ssmlResponse = await SpeechApi.PostAsync(client, new
        {
            input = $"<speak>{First}<break time=\"1s\"/>{Second}</speak>", input_format = "ssml", voice = "alloy", response_format = "pcm", seed = 3,
        });
        var plain = Samples(await plainResponse.Content.ReadAsByteArrayAsync());
        var ssml = Samples(await ssmlResponse.Content.ReadAsByteArrayAsync());

        Assert.Equal(HttpStatusCode.OK, plainResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ssmlResponse.StatusCode);
        Assert.True(LongestSilence(ssml) >= 24000, $"longest silence with the break: {LongestSilence(ssml)} samples");
        Assert.True(LongestSilence(plain) < 12000, $"longest silence without it: {LongestSilence(plain)} samples");
        Assert.True(ssml.Length > plain.Length + 20000, $"{ssml.Length} samples with the break, {plain.Length} without");
    }

    [Fact]
    public async Task Prosody_rate_slows_its_span_down()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        object Body(string rate) => new { input = $"<speak><prosody rate=\"{rate}\">{First}</prosody></speak>", input_format = "ssml", voice = "sage", response_format = "pcm", seed = 5 };

        using var normalResponse = await SpeechApi.PostAsync(client, Body("100%"));
        using var slowResponse = await SpeechApi.PostAsync(client, Body("50%"));
        var normal = (await normalResponse.Content.ReadAsByteArrayAsync()).Length;
        var slow = (await slowResponse.Content.ReadAsByteArrayAsync()).Length;

        Assert.Equal(HttpStatusCode.OK, normalResponse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, slowResponse.StatusCode);
        Assert.InRange(slow, normal * 2 - 8, normal * 2 + 8);
    }

    [Fact]
    public async Task Prosody_volume_scales_its_span_and_pitch_keeps_its_length()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        async Task<short[]> SpeakAsync(string prosody)
        {
            using var response = await SpeechApi.PostAsync(client, new
            {
                input = $"<speak><prosody {prosody}>{First}</prosody></speak>", input_format = "ssml", voice = "sage", response_format = "pcm", seed = 5,
            });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return Samples(await response.Content.ReadAsByteArrayAsync());
        }

        var normal = await SpeakAsync("volume=\"medium\"");
        var quieter = await SpeakAsync("volume=\"-6dB\"");
        var higher = await SpeakAsync("pitch=\"+4st\"");

        static double Rms(short[] x) => Math.Sqrt(x.Sum(v => (double)v * v) / x.Length);
        Assert.Equal(normal.Length, quieter.Length);
        Assert.InRange(Rms(quieter) / Rms(normal), 0.48, 0.52); // -6 dB: half the amplitude, same seed, same speech
        Assert.InRange(higher.Length, normal.Length * 0.97, normal.Length * 1.03); // pitch changes the voice, not the duration
        Assert.NotEqual(normal, higher);
    }

    [Theory]
    [InlineData("<speak>Hi <audio src=\"https://example.com/a.wav\"/>there.</speak>", "SSML element <audio> is not supported")]
    [InlineData("<speak><prosody pitch=\"+20st\">Hi.</prosody></speak>", "it must be between -12 and 12")]
    [InlineData("<!DOCTYPE speak [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><speak>&x;</speak>", "DTD")]
    [InlineData("<speak>Hi.", "not well-formed SSML")]
    public async Task A_document_outside_the_subset_is_a_400_naming_what_is_refused(string ssml, string mentions)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { input = ssml, input_format = "ssml", voice = "alloy" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(mentions, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_input_format_is_a_400_naming_the_allowed_ones()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { input = "Hi.", input_format = "markdown", voice = "alloy" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("input_format 'markdown' is not supported; use text or ssml", await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_characters_billed_are_the_spoken_text_without_markup()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new
        {
            input = "<speak>Call <say-as interpret-as=\"digits\">42</say-as>.<break time=\"200ms\"/>Bye.</speak>", input_format = "ssml",
            voice = "echo", response_format = "pcm", stream_format = "sse",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Call four two.".Length + "Bye.".Length, (await SseUsageAsync(response)).GetProperty("input_tokens").GetInt32());
    }

    internal static async Task<JsonElement> SseUsageAsync(HttpResponseMessage response)
    {
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.Equal("speech.audio.done", events[^1].GetProperty("type").GetString());
        return events[^1].GetProperty("usage").Clone();
    }

    private static short[] Samples(byte[] pcm) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, short>(pcm).ToArray();

    /// <summary>The longest run of samples within ±1 of zero (the inserted silence is exact zeros; the model's audio is not).</summary>
    private static int LongestSilence(short[] samples)
    {
        int longest = 0, run = 0;
        foreach (var sample in samples)
        {
            run = Math.Abs((int)sample) <= 1 ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        return longest;
    }
}
