using QwenTts.Graphs;
using QwenTts.Engine.Model;
using QwenTts.Miniature.Graphs;

namespace QwenTts.Miniature;

/// <summary>
/// Writes a complete miniature as the public export lays it out: each graph in its own folder with its external
/// <c>.onnx.data</c>, the speech tokenizer's graphs under <c>tokenizer12hz/</c>, and an HF-style folder <c>hf/</c>
/// with config.json, generation_config.json, speech_tokenizer/config.json, the tokenizer as vocab.json + merges.txt
/// + tokenizer_config.json, and model.safetensors with the graphs' own weights under the official names. No model.json:
/// the engine imports the folder as it would a real export.
/// </summary>
public static class MiniatureModelBuilder
{
    public sealed record Request(MiniatureSpec Spec, string OutputDirectory, string TokenizerJson,
        ModelVariant Variant = ModelVariant.VoiceDesign, MiniaturePrecision? Precision = null, ulong Seed = 20240601,
        bool OverflowTalker = false);

    /// <summary>
    /// Builds unless the folder already holds a complete miniature of this builder's version (its HF config, written
    /// last, says which); an older or half-written one is rebuilt. Returns true when it built.
    /// </summary>
    public static bool BuildIfMissing(Request request)
    {
        var config = Path.Combine(request.OutputDirectory, ModelFolder.DefaultHfSubfolder, HfModelConfig.ConfigFile);
        if (File.Exists(config) && File.ReadAllText(config).Contains($"\"{HfFolderWriter.VersionField}\": {HfFolderWriter.Version}", StringComparison.Ordinal))
        {
            return false;
        }

        if (Directory.Exists(request.OutputDirectory))
        {
            Directory.Delete(request.OutputDirectory, recursive: true);
        }

        Build(request);
        return true;
    }

    public static ModelManifest Build(Request request)
    {
        if (!File.Exists(request.TokenizerJson))
        {
            throw new FileNotFoundException(
                $"Tokenizer not found at {request.TokenizerJson}. Fetch it first: models/fetch-tokenizer.sh", request.TokenizerJson);
        }

        Directory.CreateDirectory(request.OutputDirectory);
        var spec = request.Spec;
        var builders = new List<Func<GraphContext, OnnxGraphBuilder>>
        {
            EmbeddingGraphs.TextProject,
            EmbeddingGraphs.CodecEmbed,
            EmbeddingGraphs.CodePredictorEmbed,
            TalkerGraphs.Prefill,
            TalkerGraphs.Decode,
            CodePredictorGraph.Build,
            CodecDecoderGraph.Build,
        };
        if (request.Variant == ModelVariant.Base)
        {
            builders.Add(CodecGraphs.Encode);
            builders.Add(CodecGraphs.SpeakerEncoder);
        }

        // The graphs read widths and ids from this manifest; the engine reads them back from hf/ on import.
        var manifest = new ModelManifest
        {
            Name = $"qwen3-tts-12hz-miniature-{spec.Size}{(request.Variant == ModelVariant.Base ? "-base" : "")}",
            Variant = request.Variant,
            Miniature = true,
            Talker = new TalkerShape
            {
                Hidden = (int)spec.Talker.Hidden,
                Layers = spec.Talker.Layers,
                KvHeads = (int)spec.Talker.KvHeads,
                HeadDim = (int)spec.Talker.HeadDim,
            },
        };

        var context = new GraphContext(spec, manifest, request.Seed, request.Precision ?? MiniaturePrecision.Fp32, request.OutputDirectory,
            request.OverflowTalker);
        foreach (var build in builders)
        {
            using var graph = build(context);
            graph.Save(context.DirectoryOf(graph.Name));
        }

        var hf = Path.Combine(request.OutputDirectory, ModelFolder.DefaultHfSubfolder);
        Directory.CreateDirectory(hf);
        CheckpointWriter.Write(hf, context.Weights, manifest, context.Stopping.Values.Bias);
        HfFolderWriter.Write(hf, manifest, spec, request.TokenizerJson);
        return ModelFolder.Import(request.OutputDirectory);
    }
}
