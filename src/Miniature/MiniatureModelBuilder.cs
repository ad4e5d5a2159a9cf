using QwenTts.Engine.Model;
using QwenTts.Miniature.Graphs;

namespace QwenTts.Miniature;

/// <summary>Writes a complete miniature model directory: every graph, model.json, and the tokenizer beside them.</summary>
public static class MiniatureModelBuilder
{
    public sealed record Request(MiniatureSpec Spec, string OutputDirectory, string TokenizerJson,
        ModelVariant Variant = ModelVariant.VoiceDesign, TensorFloatType Dtype = TensorFloatType.Float32, ulong Seed = 20240601);

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
            CodecGraphs.DecodeChunk,
        };
        if (request.Variant == ModelVariant.Base)
        {
            builders.Add(CodecGraphs.Encode);
            builders.Add(CodecGraphs.SpeakerEncoder);
        }

        var manifest = new ModelManifest
        {
            Name = $"qwen3-tts-12hz-miniature-{spec.Size}{(request.Variant == ModelVariant.Base ? "-base" : "")}",
            Variant = request.Variant,
            Miniature = true,
            Dtype = request.Dtype,
            Talker = new TalkerShape
            {
                Hidden = (int)spec.Talker.Hidden,
                Layers = spec.Talker.Layers,
                KvHeads = (int)spec.Talker.KvHeads,
                HeadDim = (int)spec.Talker.HeadDim,
            },
            Graphs = new Dictionary<string, string>(),
        };

        var context = new GraphContext(spec, manifest, request.Seed);
        var graphs = new Dictionary<string, string>();
        foreach (var build in builders)
        {
            var graph = build(context);
            graph.Save(request.OutputDirectory);
            graphs[graph.Name] = graph.Name + ".onnx";
        }

        File.Copy(request.TokenizerJson, Path.Combine(request.OutputDirectory, "tokenizer.json"), overwrite: true);
        manifest = manifest with { Graphs = graphs };
        manifest.Save(request.OutputDirectory);
        return manifest;
    }
}
