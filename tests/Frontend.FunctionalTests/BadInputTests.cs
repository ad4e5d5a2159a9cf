using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>Bad input gets a problem+json 4xx that says what is wrong; never a 500, never a hang.</summary>
[Collection(SystemCollection.Name)]
public sealed class BadInputTests(SystemFixture fixture)
{
    public static TheoryData<string, string, HttpStatusCode, string> Cases => new()
    {
        { "empty input", """{"input": "", "voice": "alloy"}""", HttpStatusCode.BadRequest, "input is required" },
        { "only invisible characters", "{\"input\": \"\\u200b\\u0007 \", \"voice\": \"alloy\"}", HttpStatusCode.BadRequest, "no speakable characters" },
        { "over-long input", $$"""{"input": "{{new string('a', 5000)}}", "voice": "alloy"}""", HttpStatusCode.BadRequest, "the limit is 4096" },
        { "unknown voice", """{"input": "hi", "voice": "ghost"}""", HttpStatusCode.NotFound, "voice 'ghost'" },
        { "no voice nor instructions", """{"input": "hi"}""", HttpStatusCode.BadRequest, "give voice" },
        { "bad format", """{"input": "hi", "voice": "alloy", "response_format": "webm"}""", HttpStatusCode.BadRequest, "response_format 'webm'" },
        { "bad speed", """{"input": "hi", "voice": "alloy", "speed": 0.1}""", HttpStatusCode.BadRequest, "speed must be" },
        { "bad stream format", """{"input": "hi", "voice": "alloy", "stream_format": "ws"}""", HttpStatusCode.BadRequest, "stream_format 'ws'" },
        { "bad language", """{"input": "hi", "voice": "alloy", "language": "klingon"}""", HttpStatusCode.BadRequest, "language 'klingon'" },
        { "unknown model", """{"model": "whisper-1", "input": "hi", "voice": "alloy"}""", HttpStatusCode.BadRequest, "model 'whisper-1'" },
        { "bad json", """{"input": "hi", """, HttpStatusCode.BadRequest, "not valid JSON" },
        { "wrong json type", """{"input": 42, "voice": "alloy"}""", HttpStatusCode.BadRequest, "not valid JSON" },
        { "empty body", "", HttpStatusCode.BadRequest, "JSON body is required" },
        { "unknown field", """{"input": "hi", "voice": "alloy", "emotion": "calm"}""", HttpStatusCode.BadRequest, "unknown field 'emotion': not supported by this server" },
        { "unknown field with sse", """{"input": "hi", "voice": "alloy", "stream_format": "sse", "emotion": 2}""", HttpStatusCode.BadRequest, "unknown field 'emotion'" },
        { "pitch too high", """{"input": "hi", "voice": "alloy", "pitch": 13}""", HttpStatusCode.BadRequest, "pitch 13 is out of range: it is a shift in semitones between -12 and 12" },
        { "volume too loud with sse", """{"input": "hi", "voice": "alloy", "stream_format": "sse", "volume": 4.5}""", HttpStatusCode.BadRequest, "volume 4.5 is out of range: it is a linear gain between 0.0 and 4.0" },
        { "negative volume", """{"input": "hi", "voice": "alloy", "volume": -1}""", HttpStatusCode.BadRequest, "volume -1 is out of range" },
        { "reference field not implemented", """{"input": "hi", "voice": "alloy", "speaker_embedding": [0.1]}""", HttpStatusCode.BadRequest, "speaker_embedding is not supported by this server" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Speech_input_errors_are_problem_details_that_name_the_problem(string name, string body, HttpStatusCode status, string detail)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostRawJsonAsync(client, "/v1/audio/speech", body);

        Assert.True(status == response.StatusCode, $"{name}: {(int)response.StatusCode}");
        Assert.Contains(detail, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_413()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);
        var body = $$"""{"input": "hi", "voice": "alloy", "padding": "{{new string('x', 100_000)}}"}""";

        using var response = await SpeechApi.PostRawJsonAsync(client, "/v1/audio/speech", body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("too large", await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_json_content_type_is_refused_with_415()
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await client.PostAsync("/v1/audio/speech", new StringContent("input=hi", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await SpeechApi.ProblemDetailAsync(response);
    }

    [Theory]
    [InlineData(null, "Send 'Authorization: Bearer")]
    [InlineData("Basic abc", "must be 'Bearer <api key>'")]
    [InlineData("Bearer qtts_not-a-key", "not in the expected format")]
    [InlineData("Bearer qtts_0000000000000000000000000000000000000000000", "Unknown or revoked")]
    public async Task Missing_or_wrong_keys_get_401_with_the_reason(string? authorization, string detail)
    {
        using var client = fixture.System.Client();
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.Authorization = AuthenticationHeaderValue.Parse(authorization);
        }

        using var response = await client.GetAsync("/v1/voices");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(detail, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"name": "bad name!", "description": "x"}""", "name must start")]
    [InlineData("""{"name": "ok", "description": "   "}""", "description is required")]
    [InlineData("""{"name": "ok", "description": "calm", "language": "elvish"}""", "language 'elvish'")]
    public async Task Voice_input_errors_are_problem_details(string body, string detail)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostRawJsonAsync(client, "/v1/voices", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detail, await SpeechApi.ProblemDetailAsync(response), StringComparison.Ordinal);
    }
}
