using System.Net;
using System.Net.Http.Json;
using QwenTts.TestSupport;

namespace QwenTts.Reliability.FunctionalTests;

/// <summary>
/// A card that dies mid-utterance: the other card resumes the segment from the codes of the audio already sent (same
/// seed and prompt, the frames replayed through its talker). Both cards run the same model on the CPU, so the spliced
/// stream must equal an uninterrupted one byte for byte.
/// </summary>
public sealed class FailoverSpliceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_stream_whose_card_dies_mid_utterance_continues_on_another_card_and_equals_an_uninterrupted_one()
    {
        var fault = Path.Combine(Path.GetTempPath(), "qwentts-mid-stream-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            // Both cards watch the fault file; "mid-stream-once" makes whichever card takes the next utterance fail after
            // its first chunk (and removes the file), and the other card resumes the segment after it.
            await using var system = await EmulatedSystem.StartAsync(silos: 1,
                siloArguments: ["--Devices:Cards:0:FaultFile=" + fault, "--Devices:Cards:1:FaultFile=" + fault]);
            var key = await system.CreateTenantAsync("splice");
            using var client = system.Client(key);
            var body = new { input = "A sentence long enough to stream in several chunks before it ends, so the splice falls in the middle.", voice = "alloy", response_format = "pcm", seed = 42 };

            var uninterrupted = await SpeakAsync(client, body);
            await File.WriteAllTextAsync(fault, "mid-stream-once");
            var spliced = await SpeakAsync(client, body);

            var failovers = system.System.Frontend!.Process.Output.Split('\n').Count(l => l.Contains("resuming after the frames it has", StringComparison.Ordinal));
            output.WriteLine($"uninterrupted {uninterrupted.Length} bytes, spliced {spliced.Length} bytes, failovers {failovers}");
            Assert.Equal(1, failovers);
            Assert.Equal(uninterrupted.Length, spliced.Length);
            Assert.True(uninterrupted.AsSpan().SequenceEqual(spliced), "the spliced stream differs from the uninterrupted one");
        }
        finally
        {
            File.Delete(fault);
        }
    }

    private static async Task<byte[]> SpeakAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/v1/audio/speech", body);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("audio/pcm", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(bytes);
        return bytes;
    }
}
