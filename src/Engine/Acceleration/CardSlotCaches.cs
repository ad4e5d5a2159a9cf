using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// Slot caches in the card's own memory: bound to a run as they are, so a step moves no cache between host and card,
/// where host arrays would cross the bus twice a run (at 1.7B a lane of 8 rows at 1024 slots holds 1.9 GB of cache).
/// A span of rows is a view at an offset into the same memory; zeros and growth come from <see cref="SlotCacheOps"/>.
/// </summary>
public sealed class CardSlotCaches : ISlotCaches, IDisposable
{
    private readonly OrtValue[] _keys;
    private readonly OrtValue[] _values;
    private readonly IntPtr[] _keyAddresses;
    private readonly IntPtr[] _valueAddresses;
    private readonly OrtMemoryInfo _memory;

    private CardSlotCaches(OrtValue[] keys, OrtValue[] values, OrtMemoryInfo memory, int rows, int kvHeads, int slots, int headDim)
    {
        (_keys, _values, _memory) = (keys, values, memory);
        (Rows, KvHeads, Slots, HeadDim) = (rows, kvHeads, slots, headDim);
        _keyAddresses = [.. keys.Select(Address)];
        _valueAddresses = [.. values.Select(Address)];
    }

    public int Rows { get; }

    public int Layers => _keys.Length;

    public int KvHeads { get; }

    public int Slots { get; }

    public int HeadDim { get; }

    private long RowBytes => (long)KvHeads * Slots * HeadDim * sizeof(float);

    public static CardSlotCaches Zeros(SlotCacheOps ops, int layers, int rows, int kvHeads, int slots, int headDim)
    {
        EnsureAddressable(rows, kvHeads, slots, headDim);
        var made = new List<OrtValue>();
        try
        {
            for (var i = 0; i < 2 * layers; i++)
            {
                made.Add(ops.Zeros([rows, kvHeads, slots, headDim]));
            }

            return new CardSlotCaches([.. made.Take(layers)], [.. made.Skip(layers)], ops.Memory, rows, kvHeads, slots, headDim);
        }
        catch
        {
            made.ForEach(v => v.Dispose());
            throw;
        }
    }

    /// <summary>These caches with every row's slots kept and zero slots after them, up to <paramref name="slots"/> (a new cache; this one stays).</summary>
    public CardSlotCaches Grow(SlotCacheOps ops, int slots)
    {
        EnsureAddressable(Rows, KvHeads, slots, HeadDim);
        var made = new List<OrtValue>();
        try
        {
            made.AddRange(_keys.Concat(_values).Select(cache => ops.Grow(cache, slots)));
            return new CardSlotCaches([.. made.Take(Layers)], [.. made.Skip(Layers)], _memory, Rows, KvHeads, slots, HeadDim);
        }
        catch
        {
            made.ForEach(v => v.Dispose());
            throw;
        }
    }

    public OrtValue Keys(int layer, int firstRow, int rows) => View(_keyAddresses[layer], firstRow, rows);

    public OrtValue Values(int layer, int firstRow, int rows) => View(_valueAddresses[layer], firstRow, rows);

    private OrtValue View(IntPtr start, int firstRow, int rows) =>
        OrtValue.CreateTensorValueWithData(_memory, TensorElementType.Float, [rows, KvHeads, Slots, HeadDim], start + (nint)(firstRow * RowBytes), rows * RowBytes);

    /// <summary>
    /// ONNX Runtime hands a tensor's address over as a span, whose length is an int: a layer's cache past 2 GiB cannot be
    /// viewed by rows, so it fails here, clearly, before anything is allocated.
    /// </summary>
    private static void EnsureAddressable(int rows, int kvHeads, int slots, int headDim)
    {
        var bytes = (long)rows * kvHeads * slots * headDim * sizeof(float);
        if (bytes > int.MaxValue)
        {
            throw new InvalidOperationException(
                $"A lane's cache of {rows} rows x {slots} slots needs {bytes / (double)(1L << 30):F1} GiB a layer, past the 2 GiB one tensor on the card may take here: " +
                "give the card fewer rows (Devices:Cards:N:BatchRows) or cap an utterance's frames (Model:MaxFramesPerTextToken).");
        }
    }

    /// <summary>The tensor's first byte (on the card: only ever handed back to ONNX Runtime, never read here).</summary>
    private static unsafe IntPtr Address(OrtValue value) => (IntPtr)Unsafe.AsPointer(ref MemoryMarshal.GetReference(value.GetTensorMutableRawData()));

    public void Dispose()
    {
        foreach (var value in _keys.Concat(_values))
        {
            value.Dispose();
        }
    }
}
