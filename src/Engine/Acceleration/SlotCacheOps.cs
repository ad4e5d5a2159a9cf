using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Runtime;
using QwenTts.Graphs;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// Makes and grows slot caches in the card's own memory with two small graphs run on the card's provider: zeros of a
/// shape (ConstantOfShape), and a cache padded with zero slots (Pad on the slot axis), each written straight into a
/// tensor the card's allocator gave. Nothing crosses to the host; a grow is the one copy of a cache, on the card.
/// </summary>
public sealed class SlotCacheOps : IDisposable
{
    private readonly InferenceSession _zeros;
    private readonly InferenceSession _grow;
    private readonly OrtAllocator _allocator;
    private readonly RunOptions _run = new();

    public SlotCacheOps(ExecutionProviderOptions provider)
    {
        Memory = OnnxTalker.CacheMemory(provider);
        using var options = SessionOptionsFactory.Create(provider);
        _zeros = new InferenceSession(ZerosGraph(), options);
        _grow = new InferenceSession(GrowGraph(), options);
        _allocator = new OrtAllocator(_zeros, Memory);
    }

    /// <summary>Where the caches live: the card's device memory, or the host's for the CPU provider.</summary>
    public OrtMemoryInfo Memory { get; }

    /// <summary>A float tensor of zeros of <paramref name="shape"/> in the card's memory.</summary>
    public OrtValue Zeros(long[] shape)
    {
        using var shapeValue = OrtValue.CreateTensorValueFromMemory(shape, [shape.Length]);
        return RunInto(_zeros, shape, "zeros", binding => binding.BindInput("shape", shapeValue));
    }

    /// <summary><paramref name="cache"/> [rows, kv, slots, d] with zero slots after its own, up to <paramref name="slots"/>, in the card's memory.</summary>
    public OrtValue Grow(OrtValue cache, int slots)
    {
        var shape = cache.GetTensorTypeAndShape().Shape;
        using var pads = OrtValue.CreateTensorValueFromMemory(new long[] { 0, 0, 0, 0, 0, 0, slots - shape[2], 0 }, [8]);
        return RunInto(_grow, [shape[0], shape[1], slots, shape[3]], "grown", binding =>
        {
            binding.BindInput("cache", cache);
            binding.BindInput("pads", pads);
        });
    }

    /// <summary>Runs <paramref name="session"/> with its output written into a new tensor of <paramref name="shape"/> from the card's allocator.</summary>
    private OrtValue RunInto(InferenceSession session, long[] shape, string output, Action<OrtIoBinding> bindInputs)
    {
        var result = OrtValue.CreateAllocatedTensorValue(_allocator, TensorElementType.Float, shape);
        try
        {
            using var binding = session.CreateIoBinding();
            bindInputs(binding);
            binding.BindOutput(output, result);
            session.RunWithBinding(_run, binding);
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _allocator.Dispose();
        if (!ReferenceEquals(Memory, OrtMemoryInfo.DefaultInstance)) // the CPU's is the process-wide one
        {
            Memory.Dispose();
        }
        _zeros.Dispose();
        _grow.Dispose();
        _run.Dispose();
    }

    private static byte[] ZerosGraph()
    {
        using var g = new OnnxGraphBuilder("slot_cache_zeros", NoWeights, inline: true) { DocString = "QwenTts: zeros for a slot cache, made on the card." };
        var shape = g.Input("shape", OnnxGraphBuilder.Int64, 4);
        g.Output(g.Node("ConstantOfShape", [shape], n => n.Attribute.Add(OnnxGraphBuilder.TensorAttribute("value", 0f))), "zeros", OnnxGraphBuilder.Float,
            "R", "K", "C", "D");
        return g.ToBytes();
    }

    private static byte[] GrowGraph()
    {
        using var g = new OnnxGraphBuilder("slot_cache_grow", NoWeights, inline: true) { DocString = "QwenTts: a slot cache padded with zero slots, on the card." };
        var cache = g.Input("cache", OnnxGraphBuilder.Float, "R", "K", "C", "D");
        var pads = g.Input("pads", OnnxGraphBuilder.Int64, 8);
        g.Output(g.Node("Pad", [cache, pads]), "grown", OnnxGraphBuilder.Float, "R", "K", "G", "D");
        return g.ToBytes();
    }

    private static float[] NoWeights(string name, long[] dims, WeightInit init, float scale) =>
        throw new InvalidOperationException("The cache graphs read no weights.");
}
