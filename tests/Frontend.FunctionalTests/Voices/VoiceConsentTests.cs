using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static QwenTts.Frontend.FunctionalTests.Voices.VoiceUploads;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>OpenAI's /v1/audio/voice_consents over plain HTTP, and every bad recording or voice request (none is a 5xx).</summary>
[Collection(VoiceCloningCollection.Name)]
public sealed class VoiceConsentTests(VoiceCloningFixture fixture)
{
    [Fact]
    public async Task Consents_are_created_read_paged_renamed_and_deleted_and_isolated_per_tenant()
    {
        var key = await fixture.System.CreateTenantAsync("consents-" + Guid.NewGuid().ToString("N")[..6]);
        using var client = fixture.System.Client(key);
        using var globex = fixture.System.Client(fixture.GlobexKey);
        var recording = TestRecordings.StereoWav44k(1.5);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var created = await CreateConsentAsync(client, recording, name: $"Consent {i}", language: "zh-CN");
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            ids.Add((await JsonAsync(created)).GetProperty("id").GetString()!);
        }

        var first = await client.GetFromJsonAsync<JsonElement>("/v1/audio/voice_consents?limit=2");
        var second = await client.GetFromJsonAsync<JsonElement>($"/v1/audio/voice_consents?limit=2&after={first.GetProperty("last_id").GetString()}");
        var one = await client.GetFromJsonAsync<JsonElement>($"/v1/audio/voice_consents/{ids[0]}");
        using var renamed = await client.PostAsJsonAsync($"/v1/audio/voice_consents/{ids[0]}", new { name = "Renamed" });
        var renamedBody = await JsonAsync(renamed);
        using var otherGet = await globex.GetAsync($"/v1/audio/voice_consents/{ids[1]}");
        using var otherRename = await globex.PostAsJsonAsync($"/v1/audio/voice_consents/{ids[1]}", new { name = "Mine now" });
        using var otherDelete = await globex.DeleteAsync($"/v1/audio/voice_consents/{ids[1]}");
        using var otherVoice = await CreateSampleVoiceAsync(globex, ids[1], TestRecordings.ToneWav(2));
        using var deleted = await client.DeleteAsync($"/v1/audio/voice_consents/{ids[2]}");
        var deletedBody = await JsonAsync(deleted);
        using var gone = await client.GetAsync($"/v1/audio/voice_consents/{ids[2]}");

        Assert.Equal("audio.voice_consent", one.GetProperty("object").GetString());
        Assert.Equal("Consent 0", one.GetProperty("name").GetString());
        Assert.Equal("zh-CN", one.GetProperty("language").GetString());
        Assert.Equal(1.5, one.GetProperty("recording_seconds").GetDouble(), 3);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(recording)), one.GetProperty("recording_sha256").GetString());
        var pages = first.GetProperty("data").EnumerateArray().Concat(second.GetProperty("data").EnumerateArray()).Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Equal(Enumerable.Reverse(ids), pages);
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.False(second.GetProperty("has_more").GetBoolean());
        Assert.Equal(ids[2], first.GetProperty("first_id").GetString());
        Assert.Equal("Renamed", renamedBody.GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, otherGet.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherRename.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherDelete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherVoice.StatusCode);
        Assert.Equal(ids[2], deletedBody.GetProperty("id").GetString());
        Assert.True(deletedBody.GetProperty("deleted").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    public static TheoryData<string, string, int> BadRecordings => new()
    {
        { "not audio", "audio/wav", 400 },
        { "empty", "audio/wav", 400 },
        { "silent", "audio/wav", 400 },
        { "0.5 s", "audio/wav", 400 },
        { "61 s", "audio/wav", 400 },
        { "over 10 MiB", "audio/wav", 413 },
        { "text", "text/plain", 415 },
        { "aac", "audio/aac", 415 },
    };

    [Theory]
    [MemberData(nameof(BadRecordings))]
    public async Task A_bad_recording_is_refused_with_a_problem_and_nothing_is_stored(string kind, string contentType, int status)
    {
        var key = await fixture.System.CreateTenantAsync("bad-" + Guid.NewGuid().ToString("N")[..6]);
        using var client = fixture.System.Client(key);
        var consent = await ConsentIdAsync(client);
        var bytes = kind switch
        {
            "not audio" or "text" or "aac" => "this is not a recording, only some text"u8.ToArray(),
            "empty" => [],
            "silent" => TestRecordings.SilentWav(),
            "0.5 s" => TestRecordings.ToneWav(0.5),
            "61 s" => TestRecordings.ToneWav(61),
            _ => new byte[10 * 1024 * 1024 + 1],
        };

        using var asConsent = await CreateConsentAsync(client, bytes, contentType);
        using var asVoice = await CreateSampleVoiceAsync(client, consent, bytes, contentType);
        var consents = await client.GetFromJsonAsync<JsonElement>("/v1/audio/voice_consents");
        var voices = await client.GetFromJsonAsync<JsonElement>("/v1/audio/voices");

        Assert.Equal(status, (int)asConsent.StatusCode);
        Assert.Equal(status, (int)asVoice.StatusCode);
        Assert.NotEmpty(await SpeechApi.ProblemDetailAsync(asConsent));
        Assert.NotEmpty(await SpeechApi.ProblemDetailAsync(asVoice));
        Assert.Single(consents.GetProperty("data").EnumerateArray());
        Assert.Empty(voices.GetProperty("data").EnumerateArray());
    }

    public static TheoryData<string, int, string> BadVoiceRequests => new()
    {
        { """{"type":"prompt","name":"x","prompt":"   "}""", 400, "prompt is required" },
        { """{"type":"prompt","prompt":"A calm voice"}""", 400, "name is required" },
        { """{"type":"prompt","name":"x","prompt":"A calm voice","script_hint":"  "}""", 400, "script_hint" },
        { """{"type":"prompt","name":"x","prompt":"A calm voice","language":"klingon"}""", 400, "language 'klingon'" },
        { """{"type":"prompt","name":"x","prompt":"A calm voice","model":"dall-e"}""", 400, "model 'dall-e'" },
        { """{"type":"robot","name":"x"}""", 400, "type 'robot'" },
        { """{"name":"x","consent":"cons_000000000000000000000000"}""", 400, "multipart/form-data" },
        { """{"type":"prompt",""", 400, "could not be read" },
    };

    [Theory]
    [MemberData(nameof(BadVoiceRequests))]
    public async Task A_bad_voice_request_is_a_problem_naming_the_field(string json, int status, string detail)
    {
        using var client = fixture.System.Client(fixture.GlobexKey);
        using var response = await SpeechApi.PostRawJsonAsync(client, "/v1/audio/voices", json);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(detail, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_audio_sample_voice_needs_a_consent_and_the_recording()
    {
        using var client = fixture.System.Client(fixture.GlobexKey);
        var consent = await ConsentIdAsync(client);

        using var noConsent = await CreateSampleVoiceAsync(client, null, TestRecordings.ToneWav(2));
        using var unknownConsent = await CreateSampleVoiceAsync(client, "cons_ffffffffffffffffffffffff", TestRecordings.ToneWav(2));
        using var noFile = await client.PostAsync("/v1/audio/voices", Form(new Dictionary<string, string> { ["name"] = "x", ["consent"] = consent }));
        using var emptyRefText = await CreateSampleVoiceAsync(client, consent, TestRecordings.ToneWav(2), referenceText: " ");

        Assert.Equal(HttpStatusCode.BadRequest, noConsent.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknownConsent.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noFile.StatusCode);
        Assert.Contains("audio_sample is required", await SpeechApi.ProblemDetailAsync(noFile), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, emptyRefText.StatusCode);
    }
}
