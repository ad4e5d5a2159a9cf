using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

/// <summary>The official chunking, the streaming schedule within the chunk graph's 325 frames, and static shapes.</summary>
[Collection(MiniatureCollection.Name)]
public sealed class DecodingTests(MiniatureFixture miniature)
{
    [Fact]
    public void The_whole_utterance_decode_chunks_at_0_300_600_with_left_context_min_25_start()
    {
        var recorder = new RecordingDecoder();
        var frames = Enumerable.Range(0, 700).Select(i => Enumerable.Repeat(i % 2048, 16).ToArray()).ToList();

        var audio = StreamingCodecDecoder.DecodeWhole(recorder, new CodecShape(), frames);

        Assert.Equal([(0, 300, 0), (275, 325, 25), (575, 125, 25)], recorder.Calls);
        Assert.Equal(700 * 1920, audio.Length);
    }

    [Fact]
    public void A_clone_decode_seeds_the_reference_codes_as_context_and_cuts_their_share()
    {
        var recorder = new RecordingDecoder();
        var reference = Enumerable.Range(0, 40 * 16).Select(i => (long)(i % 7)).ToArray();
        var frames = Enumerable.Range(0, 10).Select(i => Enumerable.Repeat(100 + i, 16).ToArray()).ToList();

        var audio = StreamingCodecDecoder.DecodeWhole(recorder, new CodecShape(), frames, reference, 40);

        Assert.Equal([(0, 50, 0)], recorder.Calls); // reference and new frames in one official chunk
        Assert.Equal(10 * 1920, audio.Length);      // the reference's share, 40/50 of the waveform, is cut
        Assert.Equal(40 * 1920, recorder.FirstSampleOf(audio)); // what is left starts at the first generated frame
    }

    [Fact]
    public void Streaming_starts_small_grows_its_chunks_and_never_passes_325_frames_a_call()
    {
        var recorder = new RecordingDecoder();
        var options = new StreamingOptions { FirstChunkFrames = 4, ChunkFrames = 12, MaxChunkFrames = 300, LeftContextFrames = 72 };
        var stream = new StreamingCodecDecoder(recorder, new CodecShape(), options);
        var samples = 0;
        for (var i = 0; i < 1000; i++)
        {
            samples += stream.Push(Enumerable.Repeat(i % 2048, 16).ToArray())?.Length ?? 0;
        }

        samples += stream.Flush()?.Length ?? 0;

        Assert.Equal(1000 * 1920, samples);
        Assert.Equal((0, 4, 0), recorder.Calls[0]);
        Assert.Equal((0, 16, 4), recorder.Calls[1]);   // 12 new frames after the 4 first ones as context
        Assert.Equal((0, 40, 16), recorder.Calls[2]);  // then 24
        Assert.All(recorder.Calls, c => Assert.InRange(c.Frames, 1, 325));
        Assert.Contains(recorder.Calls, c => c.Frames == 325); // large chunks are cut to fit the graph
    }

    [Fact]
    public void The_chunk_graph_refuses_more_than_325_frames_as_the_real_one()
    {
        using var run = new Microsoft.ML.OnnxRuntime.RunOptions();
        using var decoder = new OnnxCodecDecoder(miniature.Synthesizer.Sessions, run, new OrtTimer());
        var session = miniature.Synthesizer.Sessions[GraphNames.CodecDecodeChunk];

        var fits = decoder.Decode(new long[325 * 16], 325, 25);
        Assert.Throws<ArgumentOutOfRangeException>(() => decoder.Decode(new long[326 * 16], 326, 25));
        using var codes = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new long[326 * 16], [1, 326, 16]);
        using var context = Microsoft.ML.OnnxRuntime.OrtValue.CreateTensorValueFromMemory(new long[1], []);
        Assert.Throws<Microsoft.ML.OnnxRuntime.OnnxRuntimeException>(() =>
            session.Run(run, ["audio_codes", "context_frames"], [codes, context], ["audio_values"]).Dispose());

        Assert.Equal(300 * 1920, fits.Length);
    }

    [Fact]
    public async Task A_stream_matches_the_official_decode_exactly_while_its_context_reaches_back_to_frame_0_and_closely_after()
    {
        // 200 frames: past one attention window (72 frames) of context, where seams begin to differ.
        var request = Request(99) with { Sampling = new SamplingOptions { MinNewTokens = 200, MaxNewTokens = 200 } };
        var (whole, codes, _) = miniature.Synthesizer.Synthesize(request);
        var streamed = new List<float>();
        await foreach (var chunk in miniature.Synthesizer.SynthesizeAsync(request))
        {
            streamed.AddRange(chunk.Samples);
        }

        var fidelity = StreamingFidelity.Measure(miniature.Synthesizer, codes, miniature.Synthesizer.Streaming);

        Assert.Equal(200, codes.Count);
        Assert.Equal(whole.Length, streamed.Count);
        for (var i = 0; i < 64 * 1920; i++)
        {
            // Chunks of 4, 12, 24 and 24 frames each decode from frame 0 (context covers all before): the causal decoder agrees.
            Assert.True(Math.Abs(whole[i] - streamed[i]) < 1e-4f, $"sample {i}: {whole[i]} vs {streamed[i]}");
        }

        Assert.True(fidelity.SnrDb > 20, $"streamed vs official SNR {fidelity.SnrDb:F1} dB"); // about 30 dB measured on the tiny miniature
        Assert.True(fidelity.MaxAbsDifference > 0, "the miniature's decoder has a long receptive field: seams must show");
    }

    [Theory]
    [InlineData(true, "built from the checkpoint, fused for the CPU, cache written in place (largest logit difference")]
    [InlineData(false, "built from the checkpoint, standard operators (largest logit difference")]
    public void Static_shapes_give_the_same_codes_as_dynamic_shapes_with_the_same_seed(bool fused, string status)
    {
        using var loaded = fused ? null : SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
        var synthesizer = loaded ?? miniature.Synthesizer;
        using var bucketed = synthesizer.With(staticShapes: true);
        var request = Request(5) with { Sampling = new SamplingOptions { MinNewTokens = 300, MaxNewTokens = 300 } };

        var dynamicCodes = synthesizer.GenerateCodes(request);
        var bucketedCodes = bucketed.GenerateCodes(request);
        var warmUp = StaticShapeWarmUp.Run(bucketed);

        Assert.Equal(300, dynamicCodes.Count); // the cache is sized once for the prompt and the frame limit (512 here)
        Assert.StartsWith(status, synthesizer.Acceleration.TalkerStatus, StringComparison.Ordinal);
        Assert.Equal(300, bucketed.GenerateCodesTimed(request).GraphTimes[SlotDecoderGraph.TalkerName].Runs);
        Assert.Equal(-1, ModelSelfTest.FirstDifference(dynamicCodes, bucketedCodes));
        Assert.True(warmUp.Shapes > 20, $"{warmUp.Shapes} shapes");
    }

    [Fact]
    public void The_self_test_reports_every_check_on_a_healthy_model()
    {
        using var staticCard = miniature.Synthesizer.With(staticShapes: true);
        var report = ModelSelfTest.Run(staticCard, deep: false);
        var dynamicCard = ModelSelfTest.Run(miniature.Synthesizer, deep: false);

        Assert.Equal("not compared (static shapes are off on this card)", dynamicCard.Bucketed);
        Assert.True(dynamicCard.Serves(staticShapesOn: false));
        Assert.Equal(1, report.DecodeMaskExtra);
        Assert.Equal("past+1 and past+2 agree", report.DecodeMask);
        Assert.Equal("none", report.NonFinite);
        Assert.Equal("identical", report.Bucketed);
        Assert.True(report.Serves(staticShapesOn: true));
        Assert.Contains(report.Lines(), l => l.StartsWith("time talker_decode:", StringComparison.Ordinal)); // the decode-mask check runs the export's talker
    }

    private static SynthesisRequest Request(ulong seed) => new()
    {
        Text = "The quick brown fox jumps over the lazy dog.",
        Language = "english",
        Voice = new VoicePrompt.Designed("A calm narrator"),
        Seed = seed,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 4 },
    };

    /// <summary>Records each call (first frame of the slice, frames, context) and returns samples numbered by frame.</summary>
    private sealed class RecordingDecoder : ICodecDecoder
    {
        private int _first;

        public List<(int First, int Frames, int Context)> Calls { get; } = [];

        public float[] Decode(long[] codes, int frames, int contextFrames)
        {
            // The first frame of the slice is known from the running total of emitted frames, less its context.
            var first = _first - contextFrames;
            Calls.Add((first, frames, contextFrames));
            _first += frames - contextFrames;
            return Enumerable.Range((first + contextFrames) * 1920, (frames - contextFrames) * 1920).Select(i => (float)i).ToArray();
        }

        public int FirstSampleOf(float[] audio) => (int)audio[0];

        public void Dispose()
        {
        }
    }
}
