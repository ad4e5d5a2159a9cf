using QwenTts.Engine.Sampling;
using QwenTts.Graphs;

namespace QwenTts.Miniature;

/// <summary>
/// The miniature's weights: drawn from N(0, scale²), deterministic for (seed, scope, name), so graphs sharing a scope
/// (talker prefill and decode) get identical weights. Every weight drawn is kept, so the HF folder's safetensors can
/// hold exactly what the graphs hold. An optional shaper edits a drawn weight before any graph sees it.
/// </summary>
public sealed class RandomWeights(ulong seed, Action<string, float[], long[]>? shape = null)
{
    private readonly Dictionary<string, (float[] Data, long[] Dims)> _drawn = [];

    /// <summary>Weights drawn so far, by "scope/name".</summary>
    public IReadOnlyDictionary<string, (float[] Data, long[] Dims)> Drawn => _drawn;

    public WeightSource For(string scope) => (name, dims, init, scale) =>
    {
        var key = scope + "/" + name;
        if (_drawn.TryGetValue(key, out var known))
        {
            return known.Data;
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

        _drawn[key] = (data, dims);
        return data;
    };
}
