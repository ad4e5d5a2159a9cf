using System.Net;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>vLLM-Omni's request fields on /v1/audio/speech: task_type, ref_audio, ref_text, x_vector_only_mode, max_new_tokens, seed.</summary>
[Collection(VoiceCloningCollection.Name)]
public sealed class VllmOmniFieldTests(VoiceCloningFixture fixture)
{
    public static string DataUrl(byte[] wav, string type = "audio/wav") => $"data:{type};base64,{Convert.ToBase64String(wav)}";

    [Fact]
    public async Task Ref_audio_with_ref_text_or_x_vector_only_clones_in_one_request_on_a_Base_card()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var reference = DataUrl(TestRecordings.Encoded("flac"), "audio/flac");

        using var icl = await SpeechApi.PostAsync(client, new
        {
            model = "qwen3-tts", input = "Cloned in one request.", task_type = "Base", ref_audio = reference, ref_text = "The weather is lovely today.",
            seed = 7, stream_format = "sse", response_format = "pcm",
        });
        var done = CustomVoiceTests.DoneEvent(await icl.Content.ReadAsStringAsync());
        using var xVector = await SpeechApi.PostAsync(client, new
        {
            input = "From the speaker embedding alone.", ref_audio = DataUrl(TestRecordings.StereoWav44k()), x_vector_only_mode = true, response_format = "wav",
        });

        Assert.Equal(HttpStatusCode.OK, icl.StatusCode);
        Assert.All(done.GetProperty("served_by").EnumerateArray(), c => Assert.StartsWith("silo-base/", c.GetString(), StringComparison.Ordinal));
        Assert.NotNull(Assert.Single(done.GetProperty("voice_prompts").EnumerateArray().Select(p => p.GetString())));
        Assert.Equal(HttpStatusCode.OK, xVector.StatusCode);
        Assert.Equal("audio/wav", xVector.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Max_new_tokens_bounds_the_frames_of_a_segment()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var bounded = await SpeechApi.PostAsync(client, new { input = "A sentence that would take a while to say.", voice = "alloy", max_new_tokens = 4, response_format = "pcm" });
        var bytes = await bounded.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, bounded.StatusCode);
        Assert.InRange(bytes.Length, 1, 4 * 1920 * 2);
    }

    [Fact]
    public async Task Language_takes_ISO_codes_in_any_case()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var chinese = await SpeechApi.PostAsync(client, new { input = "你好。", voice = "alloy", language = "ZH-cn", response_format = "pcm" });
        using var english = await SpeechApi.PostAsync(client, new { input = "Hello.", voice = "alloy", language = "En", response_format = "pcm" });

        Assert.Equal(HttpStatusCode.OK, chinese.StatusCode);
        Assert.Equal(HttpStatusCode.OK, english.StatusCode);
    }

    [Fact]
    public void A_Base_task_while_no_card_holds_the_Base_model_is_a_400_naming_what_is_loaded()
    {
        var (status, body) = fixture.BaseTaskWithoutBaseModel;

        Assert.Equal(400, status);
        Assert.Contains("loaded: VoiceDesign on 2 cards, no Base model", JsonDocument.Parse(body).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, int, string> BadRequests => new()
    {
        { """{"input":"hi","task_type":"CustomVoice","voice":"vivian"}""", 400, "loaded: VoiceDesign on 4 cards, Base on 2" },
        { """{"input":"hi","task_type":"Dubbing","voice":"alloy"}""", 400, "task_type 'Dubbing'" },
        { """{"input":"hi","task_type":"Base","voice":"alloy"}""", 400, "task_type Base speaks a cloned voice" },
        { """{"input":"hi","ref_audio":"https://example.com/me.wav","ref_text":"hi"}""", 400, "never fetches URLs" },
        { """{"input":"hi","ref_audio":"data:audio/wav;base64,@@@","ref_text":"hi"}""", 400, "base64 data URL" },
        { """{"input":"hi","ref_audio":"data:audio/wav;base64,AAAA"}""", 400, "ref_text (the transcript of ref_audio) is required" },
        { """{"input":"hi","ref_audio":"data:audio/wav;base64,AAAA","ref_text":"hi"}""", 400, "ref_audio is not audio" },
        { """{"input":"hi","ref_audio":"data:text/plain;base64,AAAA","ref_text":"hi"}""", 415, "not read here" },
        { """{"input":"hi","voice":"alloy","ref_audio":"data:audio/wav;base64,AAAA","ref_text":"hi"}""", 400, "not both" },
        { """{"input":"hi","task_type":"VoiceDesign","instructions":"calm","ref_audio":"data:audio/wav;base64,AAAA","ref_text":"hi"}""", 400, "leave it out for VoiceDesign" },
        { """{"input":"hi","voice":"alloy","ref_text":"hi"}""", 400, "go with ref_audio" },
        { """{"input":"hi","voice":"alloy","max_new_tokens":0}""", 400, "max_new_tokens must be between" },
        { """{"input":"hi","voice":"alloy","language":"xx"}""", 400, "language 'xx'" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task A_bad_vllm_style_request_is_a_problem_naming_the_field(string json, int status, string detail)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostRawJsonAsync(client, "/v1/audio/speech", json);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(detail, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_silent_ref_audio_is_refused()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { input = "hi", ref_audio = DataUrl(TestRecordings.SilentWav()), ref_text = "hi" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("silent", await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }
}
