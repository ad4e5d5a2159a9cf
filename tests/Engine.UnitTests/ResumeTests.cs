using QwenTts.Engine.Model;
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

        var made = 0;
        var resumed = await StreamAsync(synthesizer, Request(21) with { ResumeFrames = frames, FrameMade = () => Interlocked.Increment(ref made) });

        Assert.Equal(Frames(whole.Skip(2)).Select(f => string.Join(",", f)), Frames(resumed).Select(f => string.Join(",", f)));
        Assert.Equal(whole.Skip(2).SelectMany(c => c.Samples).ToArray(), resumed.SelectMany(c => c.Samples).ToArray());
        Assert.Equal(4 * 1920, resumed[0].Samples.Length); // a small first chunk again: the listener is waiting
        var stats = resumed[^1].Stats!;
        Assert.Equal(Frames(whole).Count - frames.Count, stats.Frames);
        Assert.Equal(stats.Frames, made); // each frame made counted once as it was made (what a card measures its rate from), none replayed
        // Replayed frames cost one talker step each; the code predictor runs only for new frames.
        var predictor = engineGraphs ? "code_predictor_cached" : "code_predictor";
        Assert.Equal(stats.Frames * 15, stats.GraphTimes[predictor].Runs);
    }

    /// <summary>Inside a chunk, on a chunk's edge, past the decoder's left context: the same codes and audio all the same.</summary>
    [Theory]
    [InlineData(9)]
    [InlineData(40)]
    [InlineData(130)]
    public async Task Frames_that_end_anywhere_give_the_same_codes_and_audio_after_them(int sent)
    {
        var request = Request(22) with { Sampling = new SamplingOptions { MinNewTokens = 180, MaxNewTokens = 180 } };
        var whole = await StreamAsync(miniature.Synthesizer, request);
        var all = Frames(whole);
        var resumed = await StreamAsync(miniature.Synthesizer, request with { ResumeFrames = all.Take(sent).ToList() });

        Assert.Equal(all.Skip(sent).Select(f => string.Join(",", f)), Frames(resumed).Select(f => string.Join(",", f)));
        Assert.Equal(whole.SelectMany(c => c.Samples).Skip(sent * 1920).ToArray(), resumed.SelectMany(c => c.Samples).ToArray());
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

    /// <summary>
    /// The decode windows with chunks too long for one call: a stream resumed anywhere decodes every frame in the same
    /// call window (the same first frame of context) as the uninterrupted stream, and never passes 325 frames a call.
    /// </summary>
    [Theory]
    [InlineData(9)]
    [InlineData(250)]
    [InlineData(400)]
    [InlineData(777)]
    public void A_resumed_stream_decodes_every_frame_in_the_uninterrupted_streams_window(int sent)
    {
        var options = new StreamingOptions { FirstChunkFrames = 4, ChunkFrames = 12, MaxChunkFrames = 300, LeftContextFrames = 72 };
        var frames = Enumerable.Range(0, 1000).Select(i => Enumerable.Repeat(i % 2048, 16).ToArray()).ToList();
        var whole = Stream(new StreamingCodecDecoder(new WindowDecoder(), new CodecShape(), options), frames);

        var window = new WindowDecoder();
        var resumed = new StreamingCodecDecoder(window, new CodecShape(), options);
        resumed.Resume(frames.Take(sent).ToList());
        var rest = Stream(resumed, frames.Skip(sent).ToList());

        Assert.Equal(whole.Skip(sent * 1920), rest);
        Assert.All(window.Frames, f => Assert.InRange(f, 1, 325));
    }

    private static List<float> Stream(StreamingCodecDecoder decoder, List<int[]> frames)
    {
        var audio = new List<float>();
        foreach (var frame in frames)
        {
            audio.AddRange(decoder.Push(frame) ?? []);
        }

        audio.AddRange(decoder.Flush() ?? []);
        return audio;
    }

    /// <summary>A causal decoder whose every sample names its frame and the first frame of its call.</summary>
    private sealed class WindowDecoder : ICodecDecoder
    {
        public List<int> Frames { get; } = [];

        public float[] Decode(long[] codes, int frames, int contextFrames)
        {
            Frames.Add(frames);
            var first = codes[0];
            return [.. Enumerable.Range(contextFrames, frames - contextFrames).SelectMany(i => Enumerable.Repeat((float)((first * 4096) + codes[i * 16]), 1920))];
        }

        public void Dispose()
        {
        }
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
