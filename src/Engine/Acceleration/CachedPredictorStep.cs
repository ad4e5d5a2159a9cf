using Microsoft.ML.OnnxRuntime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// A loaded cached code-predictor step and what running it needs: its cache size, and for the fused form the 15 heads
/// as [hidden, vocab] values bound per gen_step (the standard form gathers its head inside the graph, a copy of the
/// whole head every run) and its ability to take a frame's first two rows in one run.
/// </summary>
public sealed class CachedPredictorStep(InferenceSession session, int layers, int cacheElements, OrtValue[]? heads) : IDisposable
{
    public InferenceSession Session { get; } = session;

    public int Layers { get; } = layers;

    /// <summary>Floats in one layer's K (or V) cache: KV heads x 16 slots x head size.</summary>
    public int CacheElements { get; } = cacheElements;

    /// <summary>The heads bound as the graph's "lm_head" input (fused form), or null (gen_step picks the head inside).</summary>
    public OrtValue[]? Heads { get; } = heads;

    /// <summary>The fused form takes any number of rows from slot 0 (GroupQueryAttention's prompt case).</summary>
    public bool TakesTwoRows => Heads is not null;

    /// <summary>The 15 predictor heads from the checkpoint, each [hidden, vocab] as the fused graph's lm_head input takes it.</summary>
    public static OrtValue[] HeadsFrom(CheckpointWeights weights, SlotDecoderSpec spec)
    {
        var (hidden, vocab) = (spec.Dims.Hidden, spec.Vocab);
        var stacked = weights.Predictor(Model.OfficialWeights.StackedHeads, [spec.Heads, hidden, vocab], Graphs.WeightInit.Normal, 1f);
        return [.. Enumerable.Range(0, spec.Heads).Select(j =>
            OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, stacked.AsMemory((int)(j * hidden * vocab), (int)(hidden * vocab)), [hidden, vocab]))];
    }

    public void Dispose()
    {
        Session.Dispose();
        foreach (var head in Heads ?? [])
        {
            head.Dispose();
        }
    }
}
