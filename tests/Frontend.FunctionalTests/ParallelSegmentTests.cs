using System.Net;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>A long POST /v1/audio/speech input runs on several cards and still comes back in text order.</summary>
[Collection(SystemCollection.Name)]
public sealed class ParallelSegmentTests(SystemFixture fixture)
{
    private static readonly string[] Sentences =
    [
        "The first part of this passage is long enough to be a segment of its own, so the frontend sends it to a card by itself right away.",
        "The second part follows it with different words and a different length, which gives it a different sound from the first one.",
        "The third part closes the passage, and it too is long enough that the segmenter keeps it apart from the two that came before it.",
    ];

    [Fact]
    public async Task A_long_input_is_spread_over_cards_and_its_audio_is_each_segment_in_text_order()
    {
        var key = await fixture.System.CreateTenantAsync("parallel-" + Guid.NewGuid().ToString("N")[..6]);
        using var client = fixture.System.Client(key);

        var whole = await PcmAsync(client, string.Join(" ", Sentences));
        var parts = new List<byte[]>();
        foreach (var sentence in Sentences)
        {
            parts.Add(await PcmAsync(client, sentence));
        }

        // The same voice, seed and text give the same audio on any card: the long answer is the parts in order, with
        // the 150 ms pause (3600 samples of silence) between them.
        var pause = new byte[3600 * 2];
        var expected = parts[0].Concat(pause).Concat(parts[1]).Concat(pause).Concat(parts[2]).ToArray();
        Assert.Equal(expected.Length, whole.Length);
        Assert.True(expected.AsSpan().SequenceEqual(whole), "the long input's audio is its segments' audio in text order");
        Assert.False(parts[0].AsSpan().SequenceEqual(parts[1]), "segments differ, so order is visible");

        using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
        var longest = usage.RootElement.GetProperty("data").EnumerateArray().MaxBy(r => r.GetProperty("characters").GetInt32());
        var cards = longest.GetProperty("devices").GetString()!.Split(',').Distinct().ToList();
        Assert.True(cards.Count >= 2, $"the long input ran on {string.Join(", ", cards)}");
    }

    private static async Task<byte[]> PcmAsync(HttpClient client, string text)
    {
        using var response = await SpeechApi.PostAsync(client, new { input = text, voice = "alloy", language = "english", seed = 42, response_format = "pcm" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }
}
