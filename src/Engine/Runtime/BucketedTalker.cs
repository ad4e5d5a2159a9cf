using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// The talker at static shapes. The KV cache lives in host buffers of a fixed capacity; rows past the utterance's length
/// are masked out (attention_mask 0), so talker_decode always sees the same shape. Each step's new key/value row, which
/// the graph appends at index capacity, is copied into the cache at the utterance's length. The prompt less its last row
/// is prefilled at a fixed length (right-padded and masked; causal attention keeps real rows blind to the padding), and
/// the last prompt row goes through talker_decode, which gives the same logits and hidden state as prefill's last row.
/// Cost against the dynamic talker: attention over the capacity instead of the length, and the cache crosses the
/// host boundary each step on a card (the device-side row write is not done yet; see models/README.md).
/// </summary>
internal sealed class BucketedTalker : ITalker
{
    private readonly InferenceSession _prefill;
    private readonly InferenceSession _decode;
    private readonly RunOptions _run;
    private readonly OrtTimer _timer;
    private readonly StaticShapeOptions _shapes;
    private readonly int _maskExtra;
    private readonly FloatTensors _floats;
    private readonly TensorElementType _cacheType;
    private readonly int _elementSize;
    private readonly int _hidden;
    private readonly int _vocab;
    private readonly int _kvHeads;
    private readonly int _headDim;
    private readonly string[] _pastNames;
    private readonly string[] _newNames;
    private byte[][] _cache = [];
    private OrtValue[] _cacheValues = [];
    private int _capacity;
    private int _length;

    public BucketedTalker(ModelSessions sessions, RunOptions run, OrtTimer timer, StaticShapeOptions shapes, int maskExtra)
    {
        _prefill = sessions[GraphNames.TalkerPrefill];
        _decode = sessions[GraphNames.TalkerDecode];
        _run = run;
        _timer = timer;
        _shapes = shapes;
        _maskExtra = maskExtra;
        _cacheType = sessions.FloatType(GraphNames.TalkerDecode);
        _floats = new FloatTensors(_cacheType);
        _elementSize = _cacheType == TensorElementType.Float16 ? 2 : 4;
        var talker = sessions.Manifest.Talker;
        (_hidden, _vocab, _kvHeads, _headDim) = (talker.Hidden, talker.CodecVocab, talker.KvHeads, talker.HeadDim);
        _pastNames = Enumerable.Range(0, talker.Layers).SelectMany(i => new[] { $"past_key_{i}", $"past_value_{i}" }).ToArray();
        _newNames = _pastNames.Select(n => "new_" + n).ToArray();
    }

    public void Prefill(float[] embeds, int rows, float[] logits, float[] lastHidden)
    {
        var head = rows - 1;
        Allocate(_shapes.CacheCapacity(rows));
        if (head > 0)
        {
            var length = _shapes.PrefillLength(head);
            var padded = new float[length * _hidden];
            Array.Copy(embeds, padded, head * _hidden);
            var mask = new long[length];
            Array.Fill(mask, 1L, 0, head);
            using var embedsValue = _floats.Input(padded, padded.Length, [1, length, _hidden]);
            using var maskValue = FloatTensors.Int64(mask, length, [1, length]);
            using var binding = _prefill.CreateIoBinding();
            binding.BindInput("inputs_embeds", embedsValue);
            binding.BindInput("attention_mask", maskValue);
            binding.BindOutputToDevice("logits", OrtMemoryInfo.DefaultInstance);
            binding.BindOutputToDevice("last_hidden", OrtMemoryInfo.DefaultInstance);
            foreach (var name in _pastNames)
            {
                binding.BindOutputToDevice(name, OrtMemoryInfo.DefaultInstance);
            }

            var started = _timer.Start();
            _prefill.RunWithBinding(_run, binding);
            _timer.Stop(started, GraphNames.TalkerPrefill);
            using var outputs = binding.GetOutputValues();
            for (var i = 0; i < _pastNames.Length; i++)
            {
                CopyRows(outputs[i + 2].GetTensorMutableRawData(), length, 0, _cache[i], 0, head);
            }
        }

        _length = head;
        var last = new float[_hidden];
        Array.Copy(embeds, head * _hidden, last, 0, _hidden);
        Decode(last, logits, lastHidden);
    }

    public void Decode(float[] embed, float[] logits, float[] lastHidden)
    {
        if (_cacheValues.Length == 0)
        {
            throw new InvalidOperationException("Decode before Prefill.");
        }

        if (_length + 1 > _capacity)
        {
            Grow(_shapes.CacheCapacity(_length + 1));
        }

        var mask = new long[_capacity + _maskExtra];
        Array.Fill(mask, 1L, 0, _length);
        Array.Fill(mask, 1L, _capacity, _maskExtra);
        var position = new long[] { _length };
        using var binding = _decode.CreateIoBinding();
        using var embedValue = _floats.Input(embed, _hidden, [1, 1, _hidden]);
        using var maskValue = FloatTensors.Int64(mask, mask.Length, [1, mask.Length]);
        using var positionValue = FloatTensors.Int64(position, 1, [1]);
        binding.BindInput("inputs_embeds", embedValue);
        binding.BindInput("attention_mask", maskValue);
        binding.BindInput("cache_position", positionValue);
        for (var i = 0; i < _pastNames.Length; i++)
        {
            binding.BindInput(_pastNames[i], _cacheValues[i]);
        }

        binding.BindOutputToDevice("logits", OrtMemoryInfo.DefaultInstance);
        binding.BindOutputToDevice("last_hidden", OrtMemoryInfo.DefaultInstance);
        foreach (var name in _newNames)
        {
            binding.BindOutputToDevice(name, OrtMemoryInfo.DefaultInstance);
        }

        var started = _timer.Start();
        _decode.RunWithBinding(_run, binding);
        _timer.Stop(started, GraphNames.TalkerDecode);

        using var outputs = binding.GetOutputValues();
        FloatTensors.Read(outputs[0], logits.AsSpan(0, _vocab));
        FloatTensors.Read(outputs[1], lastHidden.AsSpan(0, _hidden));
        for (var i = 0; i < _newNames.Length; i++)
        {
            CopyRows(outputs[i + 2].GetTensorMutableRawData(), _capacity + 1, _capacity, _cache[i], _length, 1);
        }

        _length++;
    }

    /// <summary>Copies <paramref name="count"/> rows from [1,kv,sourceRows,d] at row <paramref name="from"/> into the cache at row <paramref name="to"/>.</summary>
    private void CopyRows(Span<byte> source, int sourceRows, int from, byte[] cache, int to, int count)
    {
        var row = _headDim * _elementSize;
        for (var h = 0; h < _kvHeads; h++)
        {
            source.Slice(((h * sourceRows) + from) * row, count * row).CopyTo(cache.AsSpan(((h * _capacity) + to) * row));
        }
    }

    private void Allocate(int capacity)
    {
        DisposeCache();
        _capacity = capacity;
        var bytes = _kvHeads * capacity * _headDim * _elementSize;
        _cache = _pastNames.Select(_ => GC.AllocateArray<byte>(bytes, pinned: true)).ToArray();
        _cacheValues = _cache.Select(buffer => OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, _cacheType,
            [1, _kvHeads, capacity, _headDim], Marshal.UnsafeAddrOfPinnedArrayElement(buffer, 0), buffer.Length)).ToArray();
    }

    private void Grow(int capacity)
    {
        var (old, oldCapacity) = (_cache, _capacity);
        var oldValues = _cacheValues;
        _cacheValues = [];
        Allocate(capacity);
        for (var i = 0; i < old.Length; i++)
        {
            CopyRows(old[i], oldCapacity, 0, _cache[i], 0, _length);
            oldValues[i].Dispose();
        }
    }

    private void DisposeCache()
    {
        foreach (var value in _cacheValues)
        {
            value.Dispose();
        }

        _cacheValues = [];
    }

    public void Dispose() => DisposeCache();
}
