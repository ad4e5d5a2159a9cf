using System.Text.Json;
using QwenTts.Frontend.Jobs;
using QwenTts.Frontend.Speech;
using QwenTts.Frontend.Speech.Streaming;

namespace QwenTts.Frontend.UnitTests;

/// <summary>Fields a request carries that are not applied are refused by name, never dropped.</summary>
public sealed class SpeechFieldsTests
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static T Read<T>(string json) => JsonSerializer.Deserialize<T>(json, Web)!;

    [Fact]
    public void What_the_OpenAI_SDKs_send_is_accepted_everywhere()
    {
        const string sdk = """{"model":"gpt-4o-mini-tts","input":"Hi.","voice":{"id":"voice_1"},"instructions":"calm","response_format":"wav","speed":1.0,"stream_format":"sse"}""";

        Assert.Null(SpeechFields.Check(Read<SpeechRequest>(sdk), SpeechSurface.Speech));
        Assert.Null(SpeechFields.Check(Read<JobRequest>("""{"input":"Hi.","voice":"alloy","language":"en","seed":3,"callback_url":"https://example.com/x"}"""), SpeechSurface.Jobs));
        Assert.Null(SpeechFields.Check(Read<StreamSessionConfig>("""{"type":"session.config","voice":"alloy","response_format":"pcm","stream_audio":true}"""), SpeechSurface.Stream));
    }

    [Fact]
    public void An_unknown_field_is_named_with_the_fields_that_are_taken()
    {
        var detail = SpeechFields.Check(Read<SpeechRequest>("""{"input":"Hi.","voice":"alloy","emotion":"calm","timbre":3}"""), SpeechSurface.Speech);

        Assert.NotNull(detail);
        Assert.Contains("unknown fields 'emotion', 'timbre'", detail, StringComparison.Ordinal);
        Assert.Contains("not supported by this server", detail, StringComparison.Ordinal);
        Assert.Contains("response_format", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("speaker_embedding", "[0.1, 0.2]")]
    [InlineData("word_timestamps", "true")]
    [InlineData("stream", "true")]
    [InlineData("speaker", "\"vivian\"")]
    public void A_reference_field_not_implemented_here_is_refused_by_name(string field, string value)
    {
        var detail = SpeechFields.Check(Read<SpeechRequest>($$"""{"input":"Hi.","voice":"alloy","{{field}}":{{value}}}"""), SpeechSurface.Speech);

        Assert.Equal($"{field} is not supported by this server", detail?.Split(" (")[0]);
    }

    [Theory]
    [InlineData("stream_format", "\"sse\"")]
    [InlineData("ref_audio", "\"data:audio/wav;base64,AAAA\"")]
    [InlineData("max_new_tokens", "100")]
    public void A_job_refuses_the_speech_fields_it_cannot_apply(string field, string value)
    {
        var detail = SpeechFields.Check(Read<JobRequest>($$"""{"input":"Hi.","voice":"alloy","{{field}}":{{value}}}"""), SpeechSurface.Jobs);

        Assert.StartsWith($"{field} is not taken by /v1/audio/jobs", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_config_refuses_input_and_unknown_fields()
    {
        var detail = SpeechFields.Check(Read<StreamSessionConfig>("""{"type":"session.config","voice":"alloy","input":"Hi.","emotion":2}"""), SpeechSurface.Stream);

        Assert.Contains("unknown field 'emotion'", detail, StringComparison.Ordinal);
        Assert.Contains("input is not taken by session.config", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_session_config_refuses_ssml_and_lexicons_with_the_reason()
    {
        var detail = SpeechFields.Check(Read<StreamSessionConfig>("""{"type":"session.config","voice":"alloy","input_format":"ssml","lexicons":["brands"]}"""),
            SpeechSurface.Stream);

        Assert.Contains("input_format is not taken by session.config (the text arrives in pieces", detail, StringComparison.Ordinal);
        Assert.Contains("lexicons is not taken by session.config", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Speech_and_jobs_take_input_format_and_lexicons()
    {
        var request = Read<SpeechRequest>("""{"input":"<speak>Hi.</speak>","voice":"alloy","input_format":"ssml","lexicons":["brands"]}""");

        Assert.Null(SpeechFields.Check(request, SpeechSurface.Speech));
        Assert.Null(SpeechFields.Check(Read<QwenTts.Frontend.Jobs.JobRequest>("""{"input":"<speak>Hi.</speak>","voice":"alloy","input_format":"ssml","lexicons":["brands"]}"""),
            SpeechSurface.Jobs));
    }
}
