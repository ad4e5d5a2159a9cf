using QwenTts.Engine.Model;

namespace QwenTts.Miniature.Graphs;

/// <summary>What every graph of one miniature shares: its widths, manifest, seed and float type at the boundary.</summary>
public sealed class GraphContext(MiniatureSpec spec, ModelManifest manifest, ulong seed)
{
    public MiniatureSpec Spec { get; } = spec;

    public ModelManifest Manifest { get; } = manifest;

    /// <summary>Float type of the graphs' interface; the arithmetic inside is always fp32 so CPU kernels exist.</summary>
    public int BoundaryFloat => Manifest.Dtype == TensorFloatType.Float16 ? OnnxGraphBuilder.Float16 : OnnxGraphBuilder.Float;

    public OnnxGraphBuilder NewGraph(string name, string? weightScope = null) => new(name, seed, weightScope);

    /// <summary>A float input in the model's type, cast to fp32 for the arithmetic.</summary>
    public string FloatInput(OnnxGraphBuilder g, string name, params object[] dims)
    {
        var input = g.Input(name, BoundaryFloat, dims);
        return BoundaryFloat == OnnxGraphBuilder.Float ? input : g.Cast(input, OnnxGraphBuilder.Float);
    }

    /// <summary>A float output in the model's type.</summary>
    public void FloatOutput(OnnxGraphBuilder g, string value, string name, params object[] dims)
    {
        var cast = BoundaryFloat == OnnxGraphBuilder.Float ? value : g.Cast(value, BoundaryFloat);
        g.Output(cast, name, BoundaryFloat, dims);
    }
}
