using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

/// <summary>
/// Resuming an utterance from the frames another card already streamed (a failover): the frames are replayed through
/// the talker, and what follows is what an uninterrupted stream would have sent, codes and audio.
/// </summary>
[Collection(MiniatureCollection.Name)]
public sealed class ResumeTests(MiniatureFixture miniature)
{
    private static SynthesisRequest Request(ulong seed) => new()
    {
        Text = "Hello, world. This is the miniature speaking at some length.",
        Language = "english",
        Voice = new VoicePrompt.Designed("A calm, low voice"),
        Seed = seed,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 3, MinNewTokens = 40 },
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stream_resumed_after_its_first_chunks_sends_what_the_uninterrupted_stream_sent_after_them(bool engineGraphs)
    {
        var synthesizer = engineGraphs ? miniature.Synthesizer : miniature.Synthesizer.With(cachedPredictor: false, hostLookups: false, engineTalker: false);
        var whole = await StreamAsync(synthesizer, Request(21));
        // The first two chunks (4 + 12 frames by default) went out before the card failed.
        var sent = whole.Take(2).ToList();
        var frames = Frames(sent);

        var resumed = await StreamAsync(synthesizer, Request(21) with { ResumeFrames = frames });

        Assert.Equal(Frames(whole.Skip(2)).Select(f => string.Join(",", f)), Frames(resumed).Select(f => string.Join(",", f)));
        Assert.Equal(whole.Skip(2).SelectMany(c => c.Samples).ToArray(), resumed.SelectMany(c => c.Samples).ToArray());
        var stats = resumed[^1].Stats!;
        Assert.Equal(Frames(whole).Count - frames.Count, stats.Frames);
        // Replayed frames cost one talker step each; the code predictor runs only for new frames.
        var predictor = engineGraphs ? "code_predictor_cached" : "code_predictor";
        Assert.Equal(stats.Frames * 15, stats.GraphTimes[predictor].Runs);
    }

    [Fact]
    public async Task Frames_that_end_inside_a_chunk_still_give_the_same_codes_after_them()
    {
        var whole = await StreamAsync(miniature.Synthesizer, Request(22));
        var all = Frames(whole);
        var resumed = await StreamAsync(miniature.Synthesizer, Request(22) with { ResumeFrames = all.Take(9).ToList() });

        Assert.Equal(all.Skip(9).Select(f => string.Join(",", f)), Frames(resumed).Select(f => string.Join(",", f)));
        Assert.Equal((all.Count - 9) * 1920, resumed.Sum(c => c.Samples.Length));
    }

    [Fact]
    public async Task A_frame_of_codes_outside_the_codebooks_is_refused()
    {
        var bad = new int[16];
        bad[3] = 5000;

        await Assert.ThrowsAsync<ArgumentException>(() => StreamAsync(miniature.Synthesizer, Request(23) with { ResumeFrames = [bad] }));
    }

    [Fact]
    public void Only_a_streamed_utterance_can_be_resumed()
    {
        Assert.Throws<ArgumentException>(() => miniature.Synthesizer.Synthesize(Request(24) with { ResumeFrames = [new int[16]] }));
    }

    private static async Task<List<AudioChunk>> StreamAsync(SpeechSynthesizer synthesizer, SynthesisRequest request)
    {
        var chunks = new List<AudioChunk>();
        await foreach (var chunk in synthesizer.SynthesizeAsync(request))
        {
            chunks.Add(chunk);
        }

        return chunks;
    }

    private static List<int[]> Frames(IEnumerable<AudioChunk> chunks) => [.. chunks.SelectMany(c => c.Codes).Chunk(16)];
}
