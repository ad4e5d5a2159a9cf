using System.Text.Json;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;
using QwenTts.Miniature;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>A model directory that does not match gets an error that names the graph and the tensor.</summary>
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
    public void A_manifest_width_that_the_graphs_do_not_have_names_the_graph_and_tensor()
    {
        EditManifest(m => m with { Talker = m.Talker with { Hidden = 2048 } });

        var error = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("Graph 'text_project' output 'text_embed' has dimension 2 = 64, expected 2048", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_graph_with_a_renamed_input_names_the_missing_tensor()
    {
        var g = new OnnxGraphBuilder(GraphNames.CodecEmbed, 1);
        var ids = g.Input("input_ids", OnnxGraphBuilder.Int64, 1, "S");
        g.Output(g.Gather(g.RandomWeight("table", 1f, 3072, 64), ids), "embed", OnnxGraphBuilder.Float, 1, "S", 64);
        g.Save(_directory);

        var error = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("Graph 'codec_embed' has no input 'token_ids' (it has: input_ids)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_kv_cache_of_the_wrong_float_type_is_reported()
    {
        EditManifest(m => m with { Dtype = TensorFloatType.Float16 });

        var error = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("has element type Float, expected Float16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_graph_file_or_manifest_entry_is_reported()
    {
        File.Delete(Path.Combine(_directory, "code_predictor.onnx"));
        var missingFile = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));
        EditManifest(m => m with { Graphs = m.Graphs.Where(g => g.Key != GraphNames.TalkerDecode).ToDictionary() });
        var missingEntry = Assert.Throws<ModelValidationException>(() => ModelSessions.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("Graph 'code_predictor' of model", missingFile.Message, StringComparison.Ordinal);
        Assert.Contains("lacks graph(s): talker_decode", missingEntry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_without_a_manifest_is_reported()
    {
        File.Delete(Path.Combine(_directory, ModelManifest.FileName));

        var error = Assert.Throws<ModelValidationException>(() => SpeechSynthesizer.Load(_directory, new ExecutionProviderOptions()));

        Assert.Contains("No model.json", error.Message, StringComparison.Ordinal);
    }

    private void EditManifest(Func<ModelManifest, ModelManifest> edit)
    {
        var manifest = edit(ModelManifest.Load(_directory));
        File.WriteAllText(Path.Combine(_directory, ModelManifest.FileName), JsonSerializer.Serialize(manifest, ModelManifest.JsonOptions));
    }
}
