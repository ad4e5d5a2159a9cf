using QwenTts.Graphs;
using QwenTts.Engine.Model;

namespace QwenTts.Miniature.Graphs;

/// <summary>What every graph of one miniature shares: its widths, manifest, seed and float type at each graph's boundary.</summary>
public sealed class GraphContext(MiniatureSpec spec, ModelManifest manifest, ulong seed, MiniaturePrecision precision, string outputDirectory,
    bool overflowTalker = false)
{
    public MiniatureSpec Spec { get; } = spec;

    public ModelManifest Manifest { get; } = manifest;

    public MiniaturePrecision Precision { get; } = precision;

    /// <summary>Scales the codec head so that fp16 talker logits overflow to inf (proves the engine's guard).</summary>
    public bool OverflowTalker { get; } = overflowTalker;

    /// <summary>Float type of a graph's interface; the arithmetic inside is always fp32 so CPU kernels exist.</summary>
    public int BoundaryFloat(OnnxGraphBuilder g) => Precision.IsHalf(g.Name) ? OnnxGraphBuilder.Float16 : OnnxGraphBuilder.Float;

    /// <summary>The weights that make the miniature end utterances on its own.</summary>
    public StoppingCircuit Stopping { get; } = new(spec, manifest, spec.Stopping);

    /// <summary>Every weight the graphs drew, for the HF folder's safetensors.</summary>
    public RandomWeights Weights => _weights ??= new(seed, Stopping.Shape);

    private RandomWeights? _weights;

    /// <summary>The folder a graph goes to, as the export lays it out: its own, or <c>tokenizer12hz/</c> with its siblings.</summary>
    public string DirectoryOf(string graph) => Path.Combine(outputDirectory,
        graph.StartsWith(ExportLayout.TokenizerFolder, StringComparison.Ordinal) ? ExportLayout.TokenizerFolder : graph);

    /// <param name="weightScope">Graphs sharing a scope get identical weights for equal names (talker prefill and decode).</param>
    public OnnxGraphBuilder NewGraph(string name, string? weightScope = null)
    {
        var scope = weightScope ?? name;
        return new(name, Weights.For(scope), directory: DirectoryOf(name))
        {
            DocString = "QwenTts miniature: a scale model of the Qwen3-TTS graph layout with random weights. It makes noise, not speech.",
            // An fp16 export stores its weights in fp16; the arithmetic stays fp32 (cast where used) so CPU kernels exist.
            HalfWeights = Precision.IsHalf(name),
            WeightWritten = weight => Weights.Record(scope, weight),
        };
    }

    /// <summary>A float input in the graph's type, cast to fp32 for the arithmetic.</summary>
    public string FloatInput(OnnxGraphBuilder g, string name, params object[] dims)
    {
        var input = g.Input(name, BoundaryFloat(g), dims);
        return BoundaryFloat(g) == OnnxGraphBuilder.Float ? input : g.Cast(input, OnnxGraphBuilder.Float);
    }

    /// <summary>A float output in the graph's type.</summary>
    public void FloatOutput(OnnxGraphBuilder g, string value, string name, params object[] dims)
    {
        var cast = BoundaryFloat(g) == OnnxGraphBuilder.Float ? value : g.Cast(value, BoundaryFloat(g));
        g.Output(cast, name, BoundaryFloat(g), dims);
    }
}

/// <summary>
/// Which graphs of the miniature are fp16 at their boundary: none, all (the export's default), or the talker family
/// only (fp16 talker with fp32 code predictor and decoder: a mix an operator may choose after an fp16 decoder fails).
/// </summary>
public sealed record MiniaturePrecision(string Name, IReadOnlySet<string> HalfGraphs)
{
    public static MiniaturePrecision Fp32 { get; } = new("fp32", new HashSet<string>());

    public static MiniaturePrecision Fp16 { get; } = new("fp16", GraphNames.All.ToHashSet());

    public static MiniaturePrecision Mixed { get; } = new("mixed", new HashSet<string>
    {
        GraphNames.TextProject, GraphNames.CodecEmbed, GraphNames.CodePredictorEmbed, GraphNames.TalkerPrefill, GraphNames.TalkerDecode,
    });

    public bool IsHalf(string graph) => HalfGraphs.Contains(graph);

    public static MiniaturePrecision Named(string name) => name switch
    {
        "fp32" => Fp32,
        "fp16" => Fp16,
        "mixed" => Mixed,
        _ => throw new ArgumentException($"Unknown precision '{name}': use fp32, fp16 or mixed (fp16 talker, fp32 code predictor and decoder)."),
    };
}
