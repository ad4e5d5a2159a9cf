using QwenTts.Engine.Diagnostics;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.Miniature;
using QwenTts.Miniature.Graphs;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>
/// The released 1.7B model's widths at one layer each (talker 2048 wide, 16/8 heads of 128, MLP 6144; predictor 1024 with
/// its 15 real tables and heads), with a narrow text embedding and the tiny decoder so it builds in seconds: proves the
/// streamed writer (fp32 and fp16 weights) and every form the engine builds from the checkpoint at the real widths.
/// The whole `full` size is for the benchmark and model-check, never the suite.
/// </summary>
[Collection(MiniatureCollection.Name)]
public sealed class RealWidthSliceTests
{
    private static readonly MiniatureSpec Slice = MiniatureSpec.Full with
    {
        Size = "full-slice",
        Talker = MiniatureSpec.Full.Talker with { Layers = 1 },
        CodePredictor = MiniatureSpec.Full.CodePredictor with { Layers = 1 },
        TextHidden = 16,
        Decoder = MiniatureSpec.Tiny.Decoder,
        DecoderChannels = 0,
        ResidualDilations = [1],
    };

    [Theory]
    [InlineData("fp32", 4)]
    [InlineData("fp16", 2)]
    public async Task A_real_width_slice_is_written_streamed_and_the_card_runs_the_engines_forms_with_the_exports_codes(string precision, int bytesPerWeight)
    {
        await MiniatureModels.EnsureTokenizerAsync();
        var directory = Path.Combine(Path.GetTempPath(), $"qwentts-test-slice-{precision}-{Guid.NewGuid():N}");
        try
        {
            MiniatureModelBuilder.Build(new MiniatureModelBuilder.Request(Slice, directory, MiniatureModels.TokenizerJson,
                Precision: MiniaturePrecision.Named(precision)));

            // The talker's weights sit in its external data file at the precision asked for; the graph itself is small.
            var talker = Path.Combine(directory, GraphNames.TalkerDecode, GraphNames.TalkerDecode + ".onnx");
            var t = Slice.Talker;
            var layerWeights = (t.Hidden * t.Heads * t.HeadDim * 2) + (t.Hidden * t.KvHeads * t.HeadDim * 2) + (3 * t.Hidden * t.Mlp);
            Assert.True(new FileInfo(talker).Length < 1 << 20);
            Assert.InRange(new FileInfo(talker + ".data").Length, layerWeights * bytesPerWeight, (layerWeights + (3 * t.Hidden * 3072)) * bytesPerWeight);
            var checkpoint = SafetensorsFile.OpenFolder(Path.Combine(directory, ModelFolder.DefaultHfSubfolder))!;
            Assert.Equal(bytesPerWeight == 2 ? "F16" : "F32", checkpoint.Entry("talker.model.layers.0.mlp.up_proj.weight").Dtype);

            using var card = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions { IntraOpThreads = 1 });
            Assert.StartsWith("cached, fused for the CPU", card.Acceleration.PredictorStatus, StringComparison.Ordinal);
            Assert.StartsWith("host tables", card.Acceleration.Tables.Status, StringComparison.Ordinal);
            Assert.StartsWith("built from the checkpoint, fused for the CPU", card.Acceleration.TalkerStatus, StringComparison.Ordinal);

            var released = card.ReleaseExportGraphsNotRun();
            Assert.Equal([GraphNames.TalkerPrefill, GraphNames.TalkerDecode, GraphNames.CodePredictor, GraphNames.CodecEmbed, GraphNames.CodePredictorEmbed], released);
            Assert.Equal(released.Order(), card.Sessions.Released.Order());

            var request = new SynthesisRequest
            {
                Text = "Real widths.",
                Language = "english",
                Voice = new VoicePrompt.Designed("A calm voice."),
                Seed = 11,
                Sampling = new SamplingOptions { MinNewTokens = 6, MaxNewTokens = 6 },
            };
            var served = card.GenerateCodes(request);
            Assert.Equal(released.Order(), card.Sessions.Released.Order()); // serving reopened nothing

            using var export = card.With(cachedPredictor: false, hostLookups: false, engineTalker: false);
            var exported = export.GenerateCodes(request); // reopens the released export graphs
            Assert.Empty(card.Sessions.Released);
            if (precision == "fp32")
            {
                Assert.Equal(-1, ModelSelfTest.FirstDifference(served, exported));
            }
            else
            {
                // fp16 graphs round their outputs to fp16 where the engine's fp32 forms do not: a near-tie draw may flip.
                Assert.Equal(6, exported.Count);
            }
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }
}
