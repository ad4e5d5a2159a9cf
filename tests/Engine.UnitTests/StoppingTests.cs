using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

/// <summary>The miniature ends utterances on its own (its stopping circuit), around the text's length, reproducibly by seed.</summary>
[Collection(MiniatureCollection.Name)]
public sealed class StoppingTests(MiniatureFixture miniature)
{
    private const string Short = "Thank you for calling.";
    private const string Long = "The quarterly report shows steady growth across every region, with the strongest gains in the north.";

    private SynthesisRequest Request(string text, ulong seed) => new()
    {
        Text = text,
        Language = "english",
        Voice = new VoicePrompt.Designed("A clear, neutral voice"),
        Seed = seed,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 8 },
    };

    [Fact]
    public void The_same_seed_stops_at_the_same_frame_and_other_seeds_scatter_around_the_texts_length()
    {
        var shortLengths = Enumerable.Range(1, 8).Select(seed => miniature.Synthesizer.GenerateCodes(Request(Short, (ulong)seed)).Count).ToList();
        var longLengths = Enumerable.Range(1, 8).Select(seed => miniature.Synthesizer.GenerateCodes(Request(Long, (ulong)seed)).Count).ToList();
        var again = miniature.Synthesizer.GenerateCodes(Request(Long, 3)).Count;
        var longTokens = miniature.Synthesizer.BuildPrompt(Request(Long, 1)).ContentTokenCount;
        var cap = Request(Long, 1).Sampling!.FrameLimit(longTokens);

        Assert.Equal(longLengths[2], again);
        Assert.True(longLengths.Distinct().Count() >= 3, $"lengths should scatter: {string.Join(",", longLengths)}");
        Assert.True(longLengths.Average() > 2 * shortLengths.Average(), $"long {longLengths.Average()} vs short {shortLengths.Average()}");
        Assert.All(longLengths, frames => Assert.InRange(frames, 2 * longTokens, cap - 1)); // its own EOS, not the cap
    }
}
