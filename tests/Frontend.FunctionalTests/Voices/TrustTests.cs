using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using static QwenTts.Frontend.FunctionalTests.Voices.VoiceUploads;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>
/// Card work only within a tenant's limits; consent bound to the speaker; one-shot cloning as a tenant setting; and a
/// stored prompt voice given instructions says what it was spoken from.
/// </summary>
[Collection(VoiceCloningCollection.Name)]
public sealed class TrustTests(VoiceCloningFixture fixture)
{
    /// <summary>Valid base64 of bytes that are no recording: decoding it is the first thing cloning does, and it fails.</summary>
    private static readonly string NotARecording = VllmOmniFieldTests.DataUrl("this is no recording at all, only text"u8.ToArray());

    [Fact]
    public async Task The_request_rate_and_character_quota_are_checked_before_ref_audio_is_decoded_or_cloned()
    {
        using var rate = fixture.System.Client(await fixture.System.CreateTenantAsync("rate-" + Guid.NewGuid().ToString("N")[..6], requestsPerMinute: 1, referenceCloning: true));
        using var characters = fixture.System.Client(await fixture.System.CreateTenantAsync("chars-" + Guid.NewGuid().ToString("N")[..6], charactersPerDay: 5, referenceCloning: true));

        using var first = await SpeechApi.PostAsync(rate, new { input = "Hi.", voice = "alloy", response_format = "pcm" });
        using var overRate = await SpeechApi.PostAsync(rate, new { input = "Hi.", ref_audio = NotARecording, ref_text = "Hi." });
        using var overQuota = await SpeechApi.PostAsync(characters, new { input = "More than five characters.", ref_audio = NotARecording, ref_text = "Hi." });
        using var withinQuota = await SpeechApi.PostAsync(characters, new { input = "Hi.", ref_audio = NotARecording, ref_text = "Hi." });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        // Decoding first would have answered 400 "Invalid ref_audio" to both: the limits answer first.
        Assert.Equal(HttpStatusCode.TooManyRequests, overRate.StatusCode);
        Assert.Contains("requests per minute", await SpeechApi.ProblemDetailAsync(overRate), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, overQuota.StatusCode);
        Assert.Contains("characters today", await SpeechApi.ProblemDetailAsync(overQuota), StringComparison.Ordinal);
        // Within its limits the same recording is decoded, refused, and its characters given back.
        Assert.Equal(HttpStatusCode.BadRequest, withinQuota.StatusCode);
        using var again = await SpeechApi.PostAsync(characters, new { input = "Hi.", voice = "alloy", response_format = "pcm" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task A_pending_prompt_voice_is_derived_only_for_a_request_within_its_limits()
    {
        using var client = fixture.System.Client(fixture.LimitedKey);
        var id = fixture.LimitedPendingVoiceId;
        var tooLong = new string('a', VoiceCloningFixture.LimitedCharactersPerDay + 10);

        using var refused = await SpeechApi.PostAsync(client, new { input = tooLong, voice = new { id }, response_format = "pcm" });
        var afterRefusal = await client.GetFromJsonAsync<JsonElement>($"/v1/audio/voices/{id}");
        using var spoken = await SpeechApi.PostAsync(client, new { input = "Short.", voice = new { id }, response_format = "pcm" });
        var afterSpeech = await client.GetFromJsonAsync<JsonElement>($"/v1/audio/voices/{id}");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("pending", afterRefusal.GetProperty("prompt_status").GetString());
        Assert.Equal(HttpStatusCode.OK, spoken.StatusCode);
        Assert.Equal("stored-prompt", spoken.Headers.GetValues("X-QwenTts-Voice-Source").Single());
        Assert.Equal("ready", afterSpeech.GetProperty("prompt_status").GetString());
    }

    [Fact]
    public async Task A_voice_from_a_recording_must_be_the_consents_speaker()
    {
        using var client = fixture.System.Client(await fixture.System.CreateTenantAsync("speaker-" + Guid.NewGuid().ToString("N")[..6]));
        var consentRecording = TestRecordings.ToneWav(2);
        using var consentAnswer = await CreateConsentAsync(client, consentRecording);
        var consent = (await JsonAsync(consentAnswer)).GetProperty("id").GetString()!;

        using var same = await CreateSampleVoiceAsync(client, consent, consentRecording, name: "Same speaker");
        using var other = await CreateSampleVoiceAsync(client, consent, TestRecordings.SquareWav(2), name: "Someone else");
        var voices = await client.GetFromJsonAsync<JsonElement>("/v1/audio/voices");

        Assert.Equal(HttpStatusCode.OK, consentAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, same.StatusCode);
        Assert.InRange((await JsonAsync(same)).GetProperty("consent_similarity").GetDouble(), 0.999, 1.0);
        Assert.Equal(HttpStatusCode.BadRequest, other.StatusCode);
        var problem = await JsonAsync(other);
        Assert.Equal("Speaker does not match the consent", problem.GetProperty("title").GetString());
        Assert.Matches(@"speaker similarity is -?0\.\d{3}, below the 0\.950 required \(Voices:ConsentMinSimilarity\)", problem.GetProperty("detail").GetString());
        Assert.Equal(["Same speaker"], voices.GetProperty("data").EnumerateArray().Select(v => v.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_consent_recorded_before_speakers_were_compared_cannot_make_a_voice()
    {
        var tenant = "legacy-" + Guid.NewGuid().ToString("N")[..6];
        using var client = fixture.System.Client(await fixture.System.CreateTenantAsync(tenant));
        var consent = "cons_" + Guid.NewGuid().ToString("N")[..24];
        await using (var data = NpgsqlDataSource.Create(fixture.System.ConnectionString))
        {
            // A row as migration 0004 wrote them: no speaker embedding.
            await using var insert = data.CreateCommand(
                "INSERT INTO voice_consents (id, tenant_id, name, language, recording_sha256, recording_seconds, recording_bytes, content_type) " +
                "VALUES (@id, @tenant, 'Old consent', 'en-US', '\\x00'::bytea, 2, 96044, 'audio/wav')");
            insert.Parameters.AddWithValue("id", consent);
            insert.Parameters.AddWithValue("tenant", tenant);
            await insert.ExecuteNonQueryAsync();
        }

        using var voice = await CreateSampleVoiceAsync(client, consent, TestRecordings.ToneWav(2));

        Assert.Equal(HttpStatusCode.BadRequest, voice.StatusCode);
        Assert.Contains("upload the consent recording again", await SpeechApi.ProblemDetailAsync(voice), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_shot_cloning_is_off_for_a_new_tenant()
    {
        var tenant = "nocloning-" + Guid.NewGuid().ToString("N")[..6];
        using var client = fixture.System.Client(await fixture.System.CreateTenantAsync(tenant));

        using var response = await SpeechApi.PostAsync(client, new
        {
            input = "Clone me.", task_type = "Base", ref_audio = VllmOmniFieldTests.DataUrl(TestRecordings.ToneWav(2)), ref_text = "Clone me.",
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains($"admin set-tenant {tenant} --reference-cloning on", await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stored_prompt_voice_given_instructions_says_its_prompt_was_not_used()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        using var created = await client.PostAsJsonAsync("/v1/audio/voices", new { type = "prompt", name = "Styled", prompt = "A warm alto", language = "en" });
        var voice = await JsonAsync(created);
        var id = voice.GetProperty("id").GetString()!;

        using var plain = await SpeechApi.PostAsync(client, new { input = "As stored.", voice = new { id }, stream_format = "sse", response_format = "pcm" });
        var plainDone = CustomVoiceTests.DoneEvent(await plain.Content.ReadAsStringAsync());
        using var styled = await SpeechApi.PostAsync(client, new { input = "Whispered.", voice = new { id }, instructions = "whispering", stream_format = "sse", response_format = "pcm" });
        var styledDone = CustomVoiceTests.DoneEvent(await styled.Content.ReadAsStringAsync());

        Assert.Equal("ready", voice.GetProperty("prompt_status").GetString());
        Assert.Equal("stored-prompt", plain.Headers.GetValues("X-QwenTts-Voice-Source").Single());
        Assert.Equal("stored-prompt", plainDone.GetProperty("voice_source").GetString());
        Assert.Equal([voice.GetProperty("prompt_fingerprint").GetString()], plainDone.GetProperty("voice_prompts").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(HttpStatusCode.OK, styled.StatusCode);
        Assert.Equal("description-with-instructions", styled.Headers.GetValues("X-QwenTts-Voice-Source").Single());
        Assert.Equal("description-with-instructions", styledDone.GetProperty("voice_source").GetString());
        Assert.All(styledDone.GetProperty("voice_prompts").EnumerateArray(), p => Assert.Equal(JsonValueKind.Null, p.ValueKind)); // no stored prompt spoken
    }
}
