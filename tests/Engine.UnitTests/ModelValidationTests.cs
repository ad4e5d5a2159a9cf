using QwenTts.Graphs;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Text;
using QwenTts.Miniature;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>
/// The export's folder as it is shipped: found by layout, configured from the HF folder, model.json optional, and every
/// mismatch named with graph, tensor, expected and found.
/// </summary>
public sealed class ModelValidationTests : IAsyncLifetime
{
    private string _directory = "";

    public async Task InitializeAsync() => _directory = await MiniatureModels.BuildAsync("tiny");

    public Task DisposeAsync()
    {
        MiniatureModels.Delete(_directory);
        return Task.CompletedTask;
    }

    [Fact]
    public void The_export_layout_loads_without_model_json_and_the_import_is_written_for_the_operator()
    {
        Assert.False(File.Exists(Path.Combine(_directory, ModelManifest.FileName)));

        using var sessions = ModelSessions.Load(_directory, new ExecutionProviderOptions());

        Assert.Equal("talker_decode/talker_decode.onnx", sessions.Manifest.Graphs[GraphNames.TalkerDecode]);
        Assert.Equal("tokenizer12hz/tokenizer12hz_decode_chunk.onnx", sessions.Manifest.Graphs[GraphNames.CodecDecodeChunk]);
        Assert.Equal(8192, sessions.Manifest.Generation.MaxNewTokens); // generation_config.json, not the code's 2048
        Assert.Equal(2055, sessions.Manifest.Languages["chinese"]);
        Assert.Equal("hf", sessions.Manifest.Tokenizer); // vocab.json + merges.txt, as the HF folder ships them
        Assert.All(sessions.Checks, c => Assert.Equal("fp32", c.PrecisionName));
        Assert.True(File.Exists(Path.Combine(_directory, ModelManifest.FileName)));
    }

    [Fact]
    public void A_hand_written_model_json_overrides_the_import()
    {
        var imported = ModelFolder.Import(_directory);
        (imported with { Name = "operator-named", Generation = imported.Generation with { MaxNewTokens = 1000 } }).Save(_directory);

        using var sessions = ModelSessions.Load(_directory, new ExecutionProviderOptions());

        Assert.Equal("operator-named", sessions.Manifest.Name);
        Assert.Equal(1000, sessions.Manifest.Generation.MaxNewTokens);
    }

    [Fact]
    public void The_hf_folder_can_live_elsewhere_and_a_folder_without_one_is_refused_clearly()
    {
        var elsewhere = Path.Combine(Path.GetTempPath(), "qwentts-hf-" + Guid.NewGuid().ToString("N"));
        Directory.Move(Path.Combine(_directory, "hf"), elsewhere);
        try
        {
            var error = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));
            using var sessions = ModelSessions.Load(_directory, new ExecutionProviderOptions(), hfDirectory: elsewhere);

            Assert.Contains("no model.json and no Hugging Face folder", error.Message, StringComparison.Ordinal);
            Assert.Equal(2148, sessions.Manifest.CodecIds.Pad);
        }
        finally
        {
            MiniatureModels.Delete(elsewhere);
        }
    }

    [Fact]
    public void Every_mismatch_is_listed_with_graph_tensor_expected_and_found()
    {
        // codec_embed with a renamed input and a width config.json does not have.
        var g = new OnnxGraphBuilder(GraphNames.CodecEmbed, new RandomWeights(1).For("test"));
        var ids = g.Input("input_ids", OnnxGraphBuilder.Int64, 1, "S");
        g.Output(g.Gather(g.Parameter("table", 1f, 3072, 48), ids), "embed", OnnxGraphBuilder.Float, 1, "S", 48);
        g.Save(Path.Combine(_directory, GraphNames.CodecEmbed));

        var error = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("Graph 'codec_embed' has no input 'token_ids' (it has: input_ids)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Graph 'codec_embed' output 'embed' has shape [1,-1,48], expected [1,?,64]", error.Message, StringComparison.Ordinal);
        var check = Assert.Single(error.Checks, c => !c.Ok);
        Assert.Equal(GraphNames.CodecEmbed, check.Graph);
        Assert.Equal(2, check.Mismatches.Count);
        Assert.Equal(7, error.Checks.Count); // every graph was read, not just up to the first problem
    }

    [Fact]
    public void A_float_tensor_of_another_precision_than_its_graph_is_reported()
    {
        var g = new OnnxGraphBuilder(GraphNames.CodePredictor, new RandomWeights(1).For("test"));
        var context = g.Input("context", OnnxGraphBuilder.Float16, 1, "L", 64);
        g.Input("gen_step", OnnxGraphBuilder.Int64);
        var last = g.Slice(g.Cast(context, OnnxGraphBuilder.Float), -1, long.MaxValue, 1);
        g.Output(g.MatMul(last, g.Parameter("head", 1f, 64, 2048)), "logits", OnnxGraphBuilder.Float, 1, 1, 2048);
        g.Save(Path.Combine(_directory, GraphNames.CodePredictor));

        var error = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("Graph 'code_predictor' output 'logits' has element type Float, expected Float16 like the graph's other float tensors",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lengths_of_the_chunk_decoder_may_be_rank_one_or_two_but_nothing_else()
    {
        var contract = GraphContract.For(ModelFolder.Import(_directory)).Single(c => c.Graph == GraphNames.CodecDecodeChunk);
        var lengths = contract.Outputs.Single(t => t.Name == "lengths");

        using var sessions = ModelSessions.Load(_directory, new ExecutionProviderOptions());
        var declared = sessions[GraphNames.CodecDecodeChunk].OutputMetadata["lengths"].Dimensions;

        Assert.Equal([1, 1], declared); // the miniature writes it as the export does
        Assert.Equal([1L], lengths.Dims);
        Assert.Equal([1L, 1L], lengths.AlsoDims!);
    }

    [Fact]
    public void A_missing_graph_and_the_newer_single_talker_export_are_refused_by_name()
    {
        Directory.Delete(Path.Combine(_directory, GraphNames.TalkerDecode), recursive: true);
        var missing = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));
        Directory.CreateDirectory(Path.Combine(_directory, "talker"));
        File.WriteAllText(Path.Combine(_directory, "talker", "talker_core.onnx"), "");
        var newer = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("lacks graph(s): talker_decode", missing.Message, StringComparison.Ordinal);
        Assert.Contains("newer single-talker export", newer.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_hf_folders_vocab_and_merges_tokenize_exactly_as_tokenizer_json()
    {
        var fromJson = QwenTokenizer.Load(MiniatureModels.TokenizerJson);
        var fromFolder = QwenTokenizer.Load(Path.Combine(_directory, "hf"));
        const string text = "<|im_start|>assistant\nHello, world! 你好，世界。Ça va? 1234<|im_end|>\n";

        Assert.Equal(fromJson.Encode(text), fromFolder.Encode(text));
        Assert.Equal(151644, fromFolder.AddedTokens["<|im_start|>"]);
    }
}
