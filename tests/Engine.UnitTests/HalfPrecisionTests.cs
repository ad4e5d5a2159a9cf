using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>fp16 as the export writes it by default, a per-graph mix, and the guard that stops non-finite outputs.</summary>
public sealed class HalfPrecisionTests
{
    private static SynthesisRequest Request => new()
    {
        Text = "Half precision.",
        Language = "english",
        Voice = new VoicePrompt.Designed("A bright voice"),
        Seed = 11,
        Sampling = new SamplingOptions { MaxFramesPerTextToken = 3 },
    };

    [Theory]
    [InlineData("fp16", "fp16")]
    [InlineData("mixed", "fp32")]
    public async Task An_fp16_or_mixed_model_synthesises_and_reproduces_its_codes(string precision, string predictorPrecision)
    {
        var directory = await MiniatureModels.BuildAsync("tiny", precision: precision);
        try
        {
            using var synthesizer = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions());
            var (audio, codes, _) = synthesizer.Synthesize(Request);
            var again = synthesizer.GenerateCodes(Request);

            Assert.Equal("fp16", synthesizer.Sessions.Checks.Single(c => c.Graph == GraphNames.TalkerDecode).PrecisionName);
            Assert.Equal(predictorPrecision, synthesizer.Sessions.Checks.Single(c => c.Graph == GraphNames.CodePredictor).PrecisionName);
            Assert.Equal(predictorPrecision, synthesizer.Sessions.Checks.Single(c => c.Graph == GraphNames.CodecDecodeChunk).PrecisionName);
            Assert.NotEmpty(codes);
            Assert.Equal(codes.Count * 1920, audio.Length);
            Assert.Equal(codes.Select(f => string.Join(",", f)), again.Select(f => string.Join(",", f)));
            Assert.All(audio, s => Assert.True(float.IsFinite(s)));
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }

    [Fact]
    public async Task On_an_fp16_export_the_engines_standard_forms_keep_fp16_weights_and_matmuls_and_pass_the_checks()
    {
        var directory = await MiniatureModels.BuildAsync("tiny", precision: "fp16");
        try
        {
            // Standard operators, as accelerators run them (the CPU's fused forms compute in fp32), at static shapes.
            using var synthesizer = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions { FusedCpuGraphs = false },
                staticShapes: new StaticShapeOptions { Enabled = true });
            var report = Diagnostics.ModelSelfTest.Run(synthesizer, deep: false);

            Assert.StartsWith("cached, standard operators, fp16 weights and matmuls (", synthesizer.Acceleration.PredictorStatus, StringComparison.Ordinal);
            Assert.StartsWith("built from the checkpoint, standard operators, fp16 weights and matmuls (", synthesizer.Acceleration.TalkerStatus, StringComparison.Ordinal);
            Assert.True(report.Serves(staticShapesOn: true), string.Join("; ", report.Lines()));
            Assert.True(report.BucketedAgreeingFrames >= Diagnostics.SelfTestReport.BucketedAgreementNeeded);
            Assert.Equal([GraphNames.TalkerPrefill, GraphNames.TalkerDecode, GraphNames.CodePredictor, GraphNames.CodecEmbed, GraphNames.CodePredictorEmbed],
                synthesizer.ReleaseExportGraphsNotRun());
            Assert.NotEmpty(synthesizer.GenerateCodes(Request));
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }

    [Fact]
    public async Task An_fp16_talker_whose_logits_overflow_fails_the_utterance_naming_graph_and_step_and_counts_it()
    {
        var directory = await MiniatureModels.BuildAsync("tiny", precision: "fp16", overflowTalker: true);
        long counted = 0;
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "qwentts.engine.non_finite")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref counted, value));
        listener.Start();
        try
        {
            // The export's fp16 talker overflows; the CPU's engine talker (fp32, from the checkpoint) would not.
            using var loaded = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions());
            using var synthesizer = loaded.With(engineTalker: false);

            var error = Assert.Throws<NonFiniteOutputException>(() => synthesizer.GenerateCodes(Request));
            var streamed = await Assert.ThrowsAsync<NonFiniteOutputException>(async () =>
            {
                await foreach (var _ in synthesizer.SynthesizeAsync(Request))
                {
                }
            });

            Assert.Equal(GraphNames.TalkerPrefill, error.Graph);
            Assert.Equal(0, error.Step);
            Assert.Contains("Graph 'talker_prefill' produced non-finite logits at step 0", error.Message, StringComparison.Ordinal);
            Assert.Equal(GraphNames.TalkerPrefill, streamed.Graph);
            Assert.True(Interlocked.Read(ref counted) >= 2);
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }

    [Fact]
    public void Embedding_sums_for_an_fp16_talker_are_rounded_to_fp16_after_each_add()
    {
        float[] target = [1f, 1000f];
        float[] source = [1e-4f, 0.3f];
        float[] plain = [1f, 1000f];

        EmbeddingSum.Add(target, source, roundToHalf: true);
        EmbeddingSum.Add(plain, source, roundToHalf: false);

        Assert.Equal((float)(Half)(1f + 1e-4f), target[0]);
        Assert.Equal(1000.5f, target[1]); // fp16 spacing at 1000 is 0.5
        Assert.Equal(1000.3f, plain[1], 3);
    }
}
