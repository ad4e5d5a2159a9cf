using System.Net.Http.Headers;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>Multipart uploads of consents and audio_sample voices over plain HTTP.</summary>
internal static class VoiceUploads
{
    public static MultipartFormDataContent Form(IReadOnlyDictionary<string, string> fields, string? fileField = null, byte[]? file = null,
        string contentType = "audio/wav", string fileName = "recording.wav")
    {
        var form = new MultipartFormDataContent();
        foreach (var (name, value) in fields)
        {
            form.Add(new StringContent(value), name);
        }

        if (fileField is not null && file is not null)
        {
            var part = new ByteArrayContent(file);
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            form.Add(part, fileField, fileName);
        }

        return form;
    }

    public static async Task<HttpResponseMessage> CreateConsentAsync(HttpClient client, byte[] recording, string contentType = "audio/wav",
        string name = "Consent of Ada", string language = "en-US") =>
        await client.PostAsync("/v1/audio/voice_consents",
            Form(new Dictionary<string, string> { ["name"] = name, ["language"] = language }, "recording", recording, contentType));

    public static async Task<string> ConsentIdAsync(HttpClient client)
    {
        using var response = await CreateConsentAsync(client, TestRecordings.ToneWav(2));
        response.EnsureSuccessStatusCode();
        return (await JsonAsync(response)).GetProperty("id").GetString()!;
    }

    public static async Task<HttpResponseMessage> CreateSampleVoiceAsync(HttpClient client, string? consent, byte[] sample,
        string contentType = "audio/wav", string? referenceText = null, string name = "Ada")
    {
        var fields = new Dictionary<string, string> { ["name"] = name };
        if (consent is not null)
        {
            fields["consent"] = consent;
        }

        if (referenceText is not null)
        {
            fields["ref_text"] = referenceText;
        }

        return await client.PostAsync("/v1/audio/voices", Form(fields, "audio_sample", sample, contentType));
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
