using System.Runtime.InteropServices;
using QwenTts.Engine.Sampling;
using QwenTts.Graphs;

namespace QwenTts.Miniature;

/// <summary>
/// The miniature's weights: drawn from N(0, scale²), deterministic for (seed, scope, name), so graphs sharing a scope
/// (talker prefill and decode) get identical weights. Nothing is held: a weight is drawn when a graph asks for it and
/// streamed to that graph's data file, whose place is recorded (<see cref="Record"/>), so a second graph of the scope and
/// the HF folder's safetensors read it back from there. A real-scale talker is gigabytes; this keeps one tensor in memory.
/// An optional shaper edits a drawn weight before any graph sees it.
/// </summary>
public sealed class RandomWeights(ulong seed, Action<string, float[], long[]>? shape = null)
{
    private readonly Dictionary<string, ExternalWeight> _written = [];

    /// <summary>Where each weight was written, by "scope/name" (the first graph of its scope that stored it).</summary>
    public IReadOnlyDictionary<string, ExternalWeight> Written => _written;

    public WeightSource For(string scope) => (name, dims, init, scale) =>
    {
        var key = scope + "/" + name;
        if (_written.TryGetValue(key, out var known))
        {
            return Read(known);
        }

        var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
        if (init == WeightInit.Ones)
        {
            Array.Fill(data, 1f);
        }
        else
        {
            var random = Xoshiro256.ForStream(seed, key);
            for (var i = 0; i < data.Length; i++)
            {
                data[i] = (float)(random.NextGaussian() * scale);
            }

            shape?.Invoke(key, data, dims);
        }

        return data;
    };

    /// <summary>Notes where a graph of <paramref name="scope"/> wrote a weight (the first place wins).</summary>
    public void Record(string scope, ExternalWeight weight) => _written.TryAdd(scope + "/" + weight.Name, weight);

    /// <summary>A written weight as fp32, whole or a run of its elements.</summary>
    public static float[] Read(ExternalWeight weight, long start = 0, long count = -1)
    {
        var size = weight.ElementType == OnnxGraphBuilder.Float16 ? 2 : 4;
        count = count < 0 ? (weight.Length / size) - start : count;
        var bytes = new byte[count * size];
        using (var file = new FileStream(weight.File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            file.Seek(weight.Offset + (start * size), SeekOrigin.Begin);
            file.ReadExactly(bytes);
        }

        if (size == 4)
        {
            return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }

        var halves = MemoryMarshal.Cast<byte, Half>(bytes);
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)halves[i];
        }

        return values;
    }
}
