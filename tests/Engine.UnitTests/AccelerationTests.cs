using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>The cached code predictor and host lookups built from the checkpoint, against the export's own graphs.</summary>
[Collection(MiniatureCollection.Name)]
public sealed class AccelerationTests(MiniatureFixture miniature)
{
    [Theory]
    [InlineData(true, "cached, fused for the CPU (largest logit difference")]
    [InlineData(false, "cached, standard operators (largest logit difference")]
    public void The_cached_predictor_gives_the_export_logits_for_every_gen_step(bool fused, string status)
    {
        using var loaded = fused ? null : SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { IntraOpThreads = 1, FusedCpuGraphs = false });
        var synthesizer = loaded ?? miniature.Synthesizer;
        var sessions = synthesizer.Sessions;
        var acceleration = synthesizer.Acceleration;
        var hidden = sessions.Manifest.Talker.Hidden;
        var random = new Xoshiro256(99);
        var context = Enumerable.Range(0, 16 * hidden).Select(_ => (float)random.NextGaussian()).ToArray();
        using var run = new RunOptions();
        using var export = new OnnxCodePredictor(sessions, run, new OrtTimer());
        using var cached = new CachedCodePredictor(acceleration.Predictor!, hidden, 2048, run, new OrtTimer());
        var expected = new float[2048];
        var actual = new float[2048];

        for (var step = 0; step < 15; step++)
        {
            export.Logits(context, step + 2, step, expected);
            cached.Logits(context, step + 2, step, actual);
            var difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(difference < 1e-4, $"gen_step {step}: largest logit difference {difference}");
        }

        Assert.StartsWith(status, acceleration.PredictorStatus, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(FusedSlotDecoderGraph.Rope.Auto)]   // GroupQueryAttention's own rotary (the tiny miniature's head size is 16)
    [InlineData(FusedSlotDecoderGraph.Rope.Matrix)] // a rotation matrix per row (head sizes GroupQueryAttention's rotary refuses)
    public void The_fused_graphs_give_the_standard_predictor_and_the_export_talker_with_either_rope(FusedSlotDecoderGraph.Rope rope)
    {
        var sessions = miniature.Synthesizer.Sessions;
        var manifest = sessions.Manifest;
        var weights = new CheckpointWeights(SafetensorsFile.OpenFolder(Path.Combine(miniature.Directory, manifest.HfDirectory!))!, manifest);
        var spec = SlotDecoderGraph.Predictor(manifest);
        var (layers, cacheElements) = (manifest.CodePredictor!.Layers, (int)(manifest.CodePredictor.KvHeads * SlotDecoderGraph.PredictorSlots * manifest.CodePredictor.HeadDim));
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var standard = new CachedPredictorStep(new InferenceSession(SlotDecoderGraph.Build(spec, weights.Predictor, inline: true).ToBytes(), options), layers, cacheElements, null);
        using var fused = new CachedPredictorStep(new InferenceSession(FusedSlotDecoderGraph.Build(spec, weights.Predictor, inline: true, rope).ToBytes(), options),
            layers, cacheElements, CachedPredictorStep.HeadsFrom(weights, spec));
        var hidden = manifest.Talker.Hidden;
        var random = new Xoshiro256(7);
        var context = Enumerable.Range(0, 16 * hidden).Select(_ => (float)random.NextGaussian()).ToArray();
        using var run = new RunOptions();
        using var expectedSteps = new CachedCodePredictor(standard, hidden, 2048, run, new OrtTimer());
        using var actualSteps = new CachedCodePredictor(fused, hidden, 2048, run, new OrtTimer());
        var (expected, actual) = (new float[2048], new float[2048]);
        for (var step = 0; step < 15; step++)
        {
            expectedSteps.Logits(context, step + 2, step, expected);
            actualSteps.Logits(context, step + 2, step, actual);
            var difference = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
            Assert.True(difference < 1e-4, $"predictor gen_step {step}: largest logit difference {difference}");
        }

        var folder = Directory.CreateTempSubdirectory("qwentts-fused-talker-").FullName;
        try
        {
            var talkerSpec = SlotDecoderGraph.Talker(manifest, weights.HasTalkerHeadBias);
            FusedSlotDecoderGraph.Build(talkerSpec, weights.Talker, inline: false, rope).Save(folder);
            using var talker = new InferenceSession(Path.Combine(folder, SlotDecoderGraph.TalkerName + ".onnx"), options);
            var (talkerDifference, _) = EngineAcceleration.CompareTalker(sessions, talker, inPlace: true); // static and growing in-place runs
            Assert.True(talkerDifference < 1e-4, $"talker: largest difference {talkerDifference} against talker_prefill and talker_decode");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Host_lookups_equal_the_graph_lookups_row_for_row()
    {
        var sessions = miniature.Synthesizer.Sessions;
        var hidden = sessions.Manifest.Talker.Hidden;
        using var run = new RunOptions();
        using var graphs = new OnnxEmbeddings(sessions, run, new OrtTimer());
        using var host = new HostEmbeddings(new OnnxEmbeddings(sessions, run, new OrtTimer()), miniature.Synthesizer.Acceleration.Tables.Tables!);
        int[] ids = [.. Enumerable.Range(0, 3072).Where(i => i % 97 == 0), 2148, 2149, 2150, 3071];
        var (fromGraph, fromHost) = (new float[ids.Length * hidden], new float[ids.Length * hidden]);

        graphs.Codec(ids, fromGraph, 0);
        host.Codec(ids, fromHost, 0);
        Assert.Equal(fromGraph, fromHost);
        for (var layer = 0; layer < 15; layer++)
        {
            var codes = ids.Where(i => i < 2048).ToArray();
            var (graphRows, hostRows) = (new float[codes.Length * hidden], new float[codes.Length * hidden]);
            graphs.PredictorCodes(codes, layer, graphRows, 0);
            host.PredictorCodes(codes, layer, hostRows, 0);
            Assert.Equal(graphRows, hostRows);
        }
    }

    [Fact]
    public void Accelerated_and_export_graphs_give_identical_codes_with_the_same_seed()
    {
        using var export = miniature.Synthesizer.With(cachedPredictor: false, hostLookups: false, engineTalker: false);
        var request = new SynthesisRequest
        {
            Text = "Identical codes, run by run.",
            Language = "english",
            Voice = new VoicePrompt.Designed("A calm narrator"),
            Seed = 17,
            Sampling = new SamplingOptions { MinNewTokens = 560, MaxNewTokens = 560 }, // past the engine talker's first cache of 512 slots: it grows
        };

        var (accelerated, acceleratedTimes) = miniature.Synthesizer.GenerateCodesTimed(request);
        var (reference, referenceTimes) = export.GenerateCodesTimed(request);

        Assert.Equal(560, accelerated.Count);
        Assert.Equal(-1, ModelSelfTest.FirstDifference(reference, accelerated));
        Assert.Equal(560 * 15, referenceTimes[GraphNames.CodePredictor].Runs);
        Assert.Equal(560 * 15, referenceTimes[GraphNames.CodePredictorEmbed].Runs);
        Assert.Equal(559, referenceTimes[GraphNames.TalkerDecode].Runs);
        Assert.Equal(560 * 15, acceleratedTimes[SlotDecoderGraph.PredictorName].Runs); // fused form: a frame's first two rows in one run
        Assert.Equal(560, acceleratedTimes[SlotDecoderGraph.TalkerName].Runs); // prefill and 559 decodes: the CPU's engine talker
        Assert.False(acceleratedTimes.ContainsKey(GraphNames.CodePredictorEmbed));
        Assert.False(acceleratedTimes.ContainsKey(GraphNames.TalkerDecode));
    }

    [Fact]
    public async Task A_wrong_weight_in_the_checkpoint_makes_the_load_fall_back_to_the_export_graphs_and_say_why()
    {
        var directory = await MiniatureModels.BuildAsync("tiny");
        try
        {
            CheckpointEdits.Shift(directory, ("talker.code_predictor.model.layers.0.mlp.down_proj.weight", 0, 5f), (OfficialWeights.CodecEmbedding, 3, -1f));

            using var synthesizer = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions());
            var codes = synthesizer.GenerateCodes(new SynthesisRequest
            {
                Text = "Still served.", Language = "english", Voice = new VoicePrompt.Designed("A voice"), Sampling = new SamplingOptions { MaxNewTokens = 4 },
            });

            Assert.Null(synthesizer.Acceleration.Predictor);
            // Both forms are tried and both refused, each with its figures.
            Assert.StartsWith("export graph (the cached predictor fused for the CPU: disagrees with the export, largest logit difference",
                synthesizer.Acceleration.PredictorStatus, StringComparison.Ordinal);
            Assert.Contains("; standard operators: disagrees with the export, largest logit difference", synthesizer.Acceleration.PredictorStatus, StringComparison.Ordinal);
            Assert.Null(synthesizer.Acceleration.Tables.Tables);
            Assert.Equal("graph runs (the checkpoint's tables differ from the graphs: codec_embed row 0)", synthesizer.Acceleration.Tables.Status);
            Assert.Equal(4, codes.Count);
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }

    [Fact]
    public async Task A_model_folder_without_a_checkpoint_runs_on_the_export_graphs_and_says_so()
    {
        var directory = await MiniatureModels.BuildAsync("tiny");
        try
        {
            File.Delete(Path.Combine(directory, "hf", "model.safetensors"));

            using var synthesizer = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions());

            Assert.Null(synthesizer.Acceleration.Predictor);
            Assert.Contains("no model.safetensors", synthesizer.Acceleration.PredictorStatus, StringComparison.Ordinal);
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }
}
