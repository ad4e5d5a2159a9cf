using Microsoft.ML.OnnxRuntime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// A slot cache's keys and values for some rows, every layer [rows, kv, slots, d], wherever they live (host arrays, or
/// the card's own memory): a run binds views of a span of its rows as both its past and its present, so the step writes
/// its rows' keys and values in place.
/// </summary>
public interface ISlotCaches
{
    int Layers { get; }

    int KvHeads { get; }

    int Slots { get; }

    int HeadDim { get; }

    /// <summary>Layer <paramref name="layer"/>'s keys of rows firstRow..firstRow+rows-1, a view the caller disposes (the memory stays the cache's).</summary>
    OrtValue Keys(int layer, int firstRow, int rows);

    /// <summary>The values likewise.</summary>
    OrtValue Values(int layer, int firstRow, int rows);
}
