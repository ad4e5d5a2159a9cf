using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static QwenTts.Frontend.FunctionalTests.Voices.VoiceUploads;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>OpenAI's /v1/audio/voices over plain HTTP: prompt voices (design-then-clone), both views, and stored prompts.</summary>
[Collection(VoiceCloningCollection.Name)]
public sealed class CustomVoiceTests(VoiceCloningFixture fixture)
{
    [Fact]
    public async Task A_prompt_voice_made_without_a_Base_model_says_pending_and_is_derived_once_a_Base_card_joins()
    {
        var pending = fixture.PendingVoice;
        Assert.StartsWith("voice_", pending.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("audio.voice", pending.GetProperty("object").GetString());
        Assert.Equal("prompt", pending.GetProperty("type").GetString());
        Assert.Equal("Early narrator", pending.GetProperty("name").GetString());
        Assert.Equal("A bright young storyteller", pending.GetProperty("prompt").GetString());
        Assert.InRange(pending.GetProperty("created_at").GetInt64(), DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal("pending", pending.GetProperty("prompt_status").GetString());
        Assert.Contains("Base model", pending.GetProperty("prompt_problem").GetString(), StringComparison.Ordinal);

        using var client = fixture.System.Client(fixture.AcmeKey);
        var id = pending.GetProperty("id").GetString()!;
        using var spoken = await SpeechApi.PostAsync(client, new { input = "Now with a stored prompt.", voice = new { id }, response_format = "wav" });
        var voice = await client.GetFromJsonAsync<JsonElement>($"/v1/audio/voices/{id}");

        Assert.Equal(HttpStatusCode.OK, spoken.StatusCode);
        Assert.Equal("ready", voice.GetProperty("prompt_status").GetString());
        Assert.Contains("on silo-base/", voice.GetProperty("derived_by").GetString(), StringComparison.Ordinal);
        Assert.False(voice.TryGetProperty("prompt_problem", out _));
    }

    [Fact]
    public async Task The_same_stored_voice_is_spoken_from_the_identical_stored_prompt_on_two_different_cards()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        using var created = await client.PostAsJsonAsync("/v1/audio/voices", new { type = "prompt", name = "Two cards", prompt = "A deep calm baritone", language = "en" });
        var voice = await JsonAsync(created);
        var fingerprint = voice.GetProperty("prompt_fingerprint").GetString();
        var id = voice.GetProperty("id").GetString()!;

        // Enough requests at once that both Base cards take some (bounded: 8 requests).
        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            using var response = await SpeechApi.PostAsync(client, new { input = $"Sentence number {i}.", voice = new { id }, stream_format = "sse", response_format = "pcm" });
            return DoneEvent(await response.Content.ReadAsStringAsync());
        }));

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("ready", voice.GetProperty("prompt_status").GetString());
        Assert.NotNull(fingerprint);
        var cards = answers.SelectMany(a => a.GetProperty("served_by").EnumerateArray().Select(c => c.GetString())).Distinct().ToList();
        Assert.True(cards.Count >= 2, "expected two cards, got " + string.Join(",", cards));
        Assert.All(cards, c => Assert.StartsWith("silo-base/", c, StringComparison.Ordinal));
        Assert.All(answers, a => Assert.Equal(new[] { fingerprint }, a.GetProperty("voice_prompts").EnumerateArray().Select(p => p.GetString()).ToArray()));
    }

    [Fact]
    public async Task Both_views_show_the_same_voices_and_speech_takes_a_name_an_id_or_an_id_object()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        using var native = await client.PostAsJsonAsync("/v1/voices", new { name = "anchor", description = "A calm news anchor", language = "de" });
        var nativeVoice = await JsonAsync(native);
        using var openAi = await client.PostAsJsonAsync("/v1/audio/voices", new { type = "prompt", name = "Radio host", prompt = "A lively radio host" });
        var openAiVoice = await JsonAsync(openAi);
        var audioList = await client.GetFromJsonAsync<JsonElement>("/v1/audio/voices");
        var nativeList = await client.GetFromJsonAsync<JsonElement>("/v1/voices");
        var nativeId = nativeVoice.GetProperty("id").GetString()!;
        var openAiId = openAiVoice.GetProperty("id").GetString()!;

        using var byName = await SpeechApi.PostAsync(client, new { input = "By name.", voice = "anchor", response_format = "pcm" });
        using var byIdString = await SpeechApi.PostAsync(client, new { input = "By id.", voice = openAiId, response_format = "pcm" });
        using var byIdObject = await SpeechApi.PostAsync(client, new { input = "By id object.", voice = new { id = nativeId }, response_format = "pcm" });
        using var badShape = await SpeechApi.PostAsync(client, new { input = "Bad.", voice = new { name = "anchor" }, response_format = "pcm" });

        Assert.Equal(HttpStatusCode.Created, native.StatusCode);
        Assert.Equal("german", nativeVoice.GetProperty("language").GetString());
        Assert.Contains(audioList.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetString() == nativeId && v.GetProperty("name").GetString() == "anchor");
        Assert.Contains(nativeList.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetString() == openAiId && v.GetProperty("name").GetString() == openAiId);
        Assert.Equal(HttpStatusCode.OK, byName.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byIdString.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byIdObject.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badShape.StatusCode);
        Assert.Contains("{\"id\"", await SpeechApi.ProblemDetailAsync(badShape), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Voices_are_isolated_per_tenant_and_a_deleted_voice_is_404_to_speak()
    {
        using var acme = fixture.System.Client(fixture.AcmeKey);
        using var globex = fixture.System.Client(fixture.GlobexKey);
        using var created = await acme.PostAsJsonAsync("/v1/audio/voices", new { type = "prompt", name = "Private", prompt = "A whispering voice" });
        var id = (await JsonAsync(created)).GetProperty("id").GetString()!;

        using var otherGet = await globex.GetAsync($"/v1/audio/voices/{id}");
        using var otherSpeech = await SpeechApi.PostAsync(globex, new { input = "Not mine.", voice = new { id }, response_format = "pcm" });
        using var otherDelete = await globex.DeleteAsync($"/v1/audio/voices/{id}");
        var otherList = await globex.GetFromJsonAsync<JsonElement>("/v1/audio/voices");
        using var deleted = await acme.DeleteAsync($"/v1/audio/voices/{id}");
        var deletedBody = await JsonAsync(deleted);
        using var deletedAgain = await acme.DeleteAsync($"/v1/audio/voices/{id}");
        using var spokenAfter = await SpeechApi.PostAsync(acme, new { input = "Gone.", voice = new { id }, response_format = "pcm" });
        using var spokenAfterAsString = await SpeechApi.PostAsync(acme, new { input = "Gone.", voice = id, response_format = "pcm" });

        Assert.Equal(HttpStatusCode.NotFound, otherGet.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherSpeech.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherDelete.StatusCode);
        Assert.DoesNotContain(otherList.GetProperty("data").EnumerateArray(), v => v.GetProperty("id").GetString() == id);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(id, deletedBody.GetProperty("id").GetString());
        Assert.Equal("audio.voice.deleted", deletedBody.GetProperty("object").GetString());
        Assert.True(deletedBody.GetProperty("deleted").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, deletedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, spokenAfter.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, spokenAfterAsString.StatusCode);
        var problem = await JsonAsync(spokenAfter);
        Assert.Equal("not_found_error", problem.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(problem.GetProperty("detail").GetString(), problem.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("wav", "audio/wav", null)]
    [InlineData("mp3", "audio/mpeg", null)]
    [InlineData("flac", "audio/flac", "The weather is lovely today.")]
    [InlineData("opus", "audio/ogg", "The weather is lovely today.")]
    [InlineData("stereo44k", "application/octet-stream", "The weather is lovely today.")]
    public async Task An_audio_sample_voice_is_cloned_from_each_recording_format_under_a_consent(string format, string contentType, string? referenceText)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var consent = await ConsentIdAsync(client);
        var sample = format == "stereo44k" ? TestRecordings.StereoWav44k() : TestRecordings.Encoded(format);

        using var created = await CreateSampleVoiceAsync(client, consent, sample, contentType, referenceText);
        var voice = await JsonAsync(created);
        var id = voice.GetProperty("id").GetString()!;
        using var spoken = await SpeechApi.PostAsync(client, new { input = "Cloned from a recording.", voice = new { id }, response_format = "wav" });
        using var styled = await SpeechApi.PostAsync(client, new { input = "With a style.", voice = new { id }, instructions = "cheerful" });

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal("audio_sample", voice.GetProperty("type").GetString());
        Assert.Equal("ready", voice.GetProperty("prompt_status").GetString());
        Assert.Equal(consent, voice.GetProperty("consent").GetString());
        Assert.False(voice.TryGetProperty("prompt", out _));
        Assert.Equal(HttpStatusCode.OK, spoken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, styled.StatusCode);
    }

    [Fact]
    public async Task An_uploaded_voice_is_spoken_by_its_name_as_vllm_omni_does_while_that_name_is_unique()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var consent = await ConsentIdAsync(client);
        var name = "Grace " + Guid.NewGuid().ToString("N")[..6];
        using var created = await client.PostAsync("/v1/audio/voices", Form(
            new Dictionary<string, string> { ["name"] = name, ["consent"] = consent, ["speaker_description"] = "A calm alto" },
            "audio_sample", TestRecordings.ToneWav(2)));
        using var byName = await SpeechApi.PostAsync(client, new { input = "By my name.", voice = name, response_format = "pcm" });
        using var twin = await CreateSampleVoiceAsync(client, consent, TestRecordings.ToneWav(2), name: name);
        using var ambiguous = await SpeechApi.PostAsync(client, new { input = "Which one?", voice = name, response_format = "pcm" });

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byName.StatusCode);
        Assert.Equal(HttpStatusCode.OK, twin.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, ambiguous.StatusCode);
    }

    internal static JsonElement DoneEvent(string sse) => sse.Split('\n')
        .Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
        .Select(l => JsonDocument.Parse(l["data: ".Length..]).RootElement.Clone())
        .Single(e => e.GetProperty("type").GetString() == "speech.audio.done");
}
