using System.Net;
using System.Text.Json;
using QwenTts.TestSupport;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>Every file the speech endpoint makes carries the GB 45438-2025 implicit label, read back by ffprobe.</summary>
[Collection(SystemCollection.Name)]
public sealed class AiContentLabelTests(SystemFixture fixture)
{
    [Theory]
    [InlineData("wav", "wav")]
    [InlineData("mp3", "mp3")]
    [InlineData("opus", "ogg")]
    [InlineData("flac", "flac")]
    [InlineData("aac", "aac")]
    public async Task The_file_says_it_is_AI_made_by_whom_and_which_request(string format, string extension)
    {
        using var client = fixture.System.Client(fixture.AcmeKey);

        using var response = await SpeechApi.PostAsync(client, new { input = "Labelled speech.", voice = "alloy", response_format = format });
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var tag = await Ffprobe.TagAsync(bytes, extension, "AIGC");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(tag);
        using var label = JsonDocument.Parse(tag);
        Assert.Equal("1", label.RootElement.GetProperty("Label").GetString());
        Assert.Equal("QwenTts", label.RootElement.GetProperty("ContentProducer").GetString());
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), label.RootElement.GetProperty("ProduceID").GetString());
        foreach (var reserved in new[] { "ReservedCode1", "ContentPropagator", "PropagateID", "ReservedCode2" })
        {
            Assert.True(label.RootElement.TryGetProperty(reserved, out _), reserved);
        }
    }
}
