#pragma warning disable OPENAI001 // the SDK marks its custom-voice methods experimental
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using OpenAI.Audio;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>The official SDKs (OpenAI .NET and the openai npm package), unchanged but for the base URL, against custom voices.</summary>
[Collection(VoiceCloningCollection.Name)]
public sealed class OpenAiSdkVoiceTests(VoiceCloningFixture fixture)
{
    private static string WebDirectory => WebTools.Directory;

    [Fact]
    public async Task The_dotnet_SDK_makes_consents_and_voices_and_speaks_a_voice_in_every_format()
    {
        var key = await fixture.System.CreateTenantAsync("dotnet-" + Guid.NewGuid().ToString("N")[..6]);
        var client = new AudioClient("gpt-4o-mini-tts", new ApiKeyCredential(key), new OpenAI.OpenAIClientOptions { Endpoint = new Uri(fixture.System.Frontend, "/v1") });

        var prompt = Json(await client.CreateVoiceAsync(
            BinaryContent.Create(BinaryData.FromObjectAsJson(new { type = "prompt", name = "SDK narrator", prompt = "A crisp, confident presenter" })), "application/json", new RequestOptions()));
        var (consentBody, consentType) = await MultipartAsync(new() { ["name"] = "SDK consent", ["language"] = "en" }, "recording", TestRecordings.ToneWav(2));
        var consent = Json(await client.CreateVoiceConsentAsync(consentBody, consentType, new RequestOptions()));
        var consentId = consent.GetProperty("id").GetString()!;
        var (sampleBody, sampleType) = await MultipartAsync(new() { ["name"] = "SDK clone", ["consent"] = consentId, ["ref_text"] = "The weather is lovely today." },
            "audio_sample", TestRecordings.Encoded("flac"), "audio/flac");
        var sample = Json(await client.CreateVoiceAsync(sampleBody, sampleType, new RequestOptions()));
        var renamed = Json(await client.UpdateVoiceConsentAsync(consentId, BinaryContent.Create(BinaryData.FromObjectAsJson(new { name = "SDK consent 2" })), new RequestOptions()));
        var fetched = Json(await client.GetVoiceConsentAsync(consentId, new RequestOptions()));
        var pages = new List<string>();
        await foreach (var page in client.GetVoiceConsentsAsync(null, 1, new RequestOptions()).GetRawPagesAsync())
        {
            var body = JsonDocument.Parse(page.GetRawResponse().Content).RootElement;
            pages.AddRange(body.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("id").GetString()!));
        }

        var formats = new Dictionary<GeneratedSpeechFormat, int>();
        foreach (var format in new[] { GeneratedSpeechFormat.Mp3, GeneratedSpeechFormat.Opus, GeneratedSpeechFormat.Aac, GeneratedSpeechFormat.Flac, GeneratedSpeechFormat.Wav, GeneratedSpeechFormat.Pcm })
        {
            var speech = await client.GenerateSpeechAsync("Hello from the dotnet SDK.", new GeneratedSpeechVoice(sample.GetProperty("id").GetString()!),
                new SpeechGenerationOptions { ResponseFormat = format });
            formats[format] = speech.Value.ToArray().Length;
        }

        var promptSpeech = await client.GenerateSpeechAsync("Prompt voice.", new GeneratedSpeechVoice(prompt.GetProperty("id").GetString()!));
        var deletedConsent = Json(await client.DeleteVoiceConsentAsync(consentId, new RequestOptions()));
        var missing = await Assert.ThrowsAsync<ClientResultException>(() => client.GetVoiceConsentAsync(consentId, new RequestOptions()));

        Assert.Equal("audio.voice", prompt.GetProperty("object").GetString());
        Assert.Equal("prompt", prompt.GetProperty("type").GetString());
        Assert.Equal("ready", prompt.GetProperty("prompt_status").GetString());
        Assert.StartsWith("cons_", consentId, StringComparison.Ordinal);
        Assert.Equal("en", fetched.GetProperty("language").GetString());
        Assert.Equal("audio_sample", sample.GetProperty("type").GetString());
        Assert.Equal("SDK consent 2", renamed.GetProperty("name").GetString());
        Assert.Equal([consentId], pages);
        Assert.All(formats, f => Assert.True(f.Value > 100, $"{f.Key}: {f.Value} bytes"));
        Assert.True(promptSpeech.Value.ToArray().Length > 100);
        Assert.True(deletedConsent.GetProperty("deleted").GetBoolean());
        Assert.Equal(404, missing.Status);
    }

    [Fact]
    public async Task The_npm_SDK_makes_consents_and_voices_speaks_in_every_format_and_deletes()
    {
        var key = await fixture.System.CreateTenantAsync("npm-" + Guid.NewGuid().ToString("N")[..6]);
        var recording = Path.Combine(Path.GetTempPath(), $"qwentts-recording-{Guid.NewGuid():N}.wav");
        await File.WriteAllBytesAsync(recording, TestRecordings.StereoWav44k());
        try
        {
            if (!Directory.Exists(Path.Combine(WebDirectory, "node_modules", "openai")))
            {
                await WebTools.RunAsync("npm", "ci --no-audit --no-fund", TimeSpan.FromMinutes(3));
            }

            var output = await WebTools.RunAsync("node", $"voices-test.mjs {fixture.System.Frontend} {key} {recording}", TimeSpan.FromMinutes(3));
            var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;

            Assert.Equal("prompt", result.GetProperty("promptVoice").GetProperty("type").GetString());
            Assert.StartsWith("voice_", result.GetProperty("promptVoice").GetProperty("id").GetString(), StringComparison.Ordinal);
            Assert.Equal("npm consent renamed", result.GetProperty("updated").GetProperty("name").GetString());
            var consents = Enumerable.Reverse(result.GetProperty("consentIds").EnumerateArray().Select(c => c.GetString()).ToArray()).ToArray();
            Assert.Equal(consents.Take(2), result.GetProperty("firstPageIds").EnumerateArray().Select(c => c.GetString()));
            Assert.True(result.GetProperty("firstPageHasMore").GetBoolean());
            Assert.Equal(consents, result.GetProperty("listedIds").EnumerateArray().Select(c => c.GetString()));
            Assert.Equal("audio_sample", result.GetProperty("sampleVoice").GetProperty("type").GetString());
            var heads = new Dictionary<string, string>
            {
                ["mp3"] = "audio/mpeg", ["opus"] = "audio/ogg", ["aac"] = "audio/aac", ["flac"] = "audio/flac", ["wav"] = "audio/wav", ["pcm"] = "audio/pcm",
            };
            foreach (var (format, type) in heads)
            {
                var answer = result.GetProperty("formats").GetProperty(format);
                Assert.Equal(200, answer.GetProperty("status").GetInt32());
                Assert.StartsWith(type, answer.GetProperty("type").GetString(), StringComparison.Ordinal);
                Assert.True(answer.GetProperty("bytes").GetInt32() > 100, $"{format}: {answer}");
            }

            // The ADTS frames come after an ID3v2 tag that carries the AI-content label (AiContentLabelTests reads it with ffprobe).
            Assert.StartsWith("494433", result.GetProperty("formats").GetProperty("aac").GetProperty("head").GetString(), StringComparison.Ordinal);
            Assert.Equal(200, result.GetProperty("promptVoiceSpeech").GetInt32());
            Assert.Equal("audio.voice.deleted", result.GetProperty("deletedVoice").GetProperty("object").GetString());
            Assert.Equal(404, result.GetProperty("deletedVoiceSpeech").GetInt32());
            Assert.Contains("does not exist for your tenant", result.GetProperty("deletedVoiceMessage").GetString(), StringComparison.Ordinal);
            Assert.True(result.GetProperty("deletedConsent").GetProperty("deleted").GetBoolean());
            Assert.Equal(404, result.GetProperty("deletedConsentStatus").GetInt32());
        }
        finally
        {
            File.Delete(recording);
        }
    }

    private static JsonElement Json(ClientResult result) => JsonDocument.Parse(result.GetRawResponse().Content).RootElement.Clone();

    private static async Task<(BinaryContent Body, string ContentType)> MultipartAsync(Dictionary<string, string> fields, string fileField, byte[] file,
        string contentType = "audio/wav")
    {
        using var form = VoiceUploads.Form(fields, fileField, file, contentType);
        var bytes = await form.ReadAsByteArrayAsync();
        return (BinaryContent.Create(BinaryData.FromBytes(bytes)), form.Headers.ContentType!.ToString());
    }
}
