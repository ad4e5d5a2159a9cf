using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

/// <summary>The whole pipeline on the tiny miniature (noise, not speech), on the CPU provider.</summary>
[Collection(MiniatureCollection.Name)]
public sealed class SynthesisTests(MiniatureFixture miniature)
{
    private static SynthesisRequest Request(ulong seed, string text = "Hello, world. This is the miniature.") => new()
    {
        Text = text,
        Language = "english",
        Voice = new VoicePrompt.Designed("A calm, low voice"),
        Seed = seed,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 3 },
    };

    [Fact]
    public void A_fixed_seed_gives_identical_codes_twice_and_another_seed_does_not()
    {
        var first = miniature.Synthesizer.GenerateCodes(Request(1234));
        var second = miniature.Synthesizer.GenerateCodes(Request(1234));
        var other = miniature.Synthesizer.GenerateCodes(Request(1235));

        Assert.True(first.Count > 10);
        Assert.Equal(first.Select(f => string.Join(",", f)), second.Select(f => string.Join(",", f)));
        Assert.NotEqual(first.Select(f => string.Join(",", f)), other.Select(f => string.Join(",", f)));
        Assert.All(first, frame => Assert.All(frame, code => Assert.InRange(code, 0, 2047)));
    }

    [Fact]
    public async Task The_final_chunk_reports_frames_audio_length_and_time_inside_onnx_runtime()
    {
        AudioChunk? last = null;
        await foreach (var chunk in miniature.Synthesizer.SynthesizeAsync(Request(5)))
        {
            last = chunk;
        }

        var stats = last!.Stats!;
        Assert.Equal(stats.Frames * 1920 / 24000.0, stats.AudioSeconds, precision: 6);
        // The CPU's engine graphs: per frame one talker step and 15 predictor steps (the fused form takes a frame's
        // first two rows in one run), no lookup runs.
        Assert.InRange(stats.OrtRuns, stats.Frames * 16, (stats.Frames * 16) + 12);
        Assert.Equal(stats.Frames * 15, stats.GraphTimes["code_predictor_cached"].Runs);
        Assert.Equal(stats.Frames, stats.GraphTimes["talker_step"].Runs);
        Assert.False(stats.GraphTimes.ContainsKey("code_predictor_embed"));
        Assert.InRange(stats.OrtShare, 0.05, 1.0);
        Assert.True(stats.TimeToFirstAudio <= stats.Wall);
    }

    [Fact]
    public void The_length_cap_bounds_an_utterance_by_its_text()
    {
        var codes = miniature.Synthesizer.GenerateCodes(Request(1, "Hi.") with { Sampling = new SamplingOptions { MaxFramesPerTextToken = 2, LengthCapSlackFrames = 3 } });

        Assert.Equal(2 * 2 + 3, codes.Count);
    }

    [Fact]
    public async Task Stopping_the_enumeration_cancels_synthesis_promptly()
    {
        using var cancel = new CancellationTokenSource();
        var received = 0;
        var request = Request(3) with { Sampling = new SamplingOptions { MinNewTokens = 2048, MaxNewTokens = 2048 } };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in miniature.Synthesizer.SynthesizeAsync(request, cancel.Token))
            {
                if (++received == 2)
                {
                    await cancel.CancelAsync();
                }
            }
        });
        // Uncancelled it would run to 2048 frames (over 20 chunks); a chunk already decoded may still arrive on a busy machine.
        Assert.InRange(received, 2, 4);
    }

    [Fact]
    public void Streaming_text_mode_and_auto_language_also_synthesise()
    {
        var codes = miniature.Synthesizer.GenerateCodes(Request(8) with { NonStreamingText = false, Language = "auto" });

        Assert.NotEmpty(codes);
    }
}
