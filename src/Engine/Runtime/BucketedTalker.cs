using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// The talker at static shapes, through the slot-cache talker graph built from the checkpoint (the export's
/// talker_decode cannot take a padded cache: its causal mask is tied to cache_position and the cache length). The
/// cache has one capacity for the whole utterance (prompt plus its frame limit, rounded up to a configured size), so
/// it never grows; the prompt is prefilled in one run at a configured length (right-padded: causal masking keeps real
/// rows blind to the padding, whose slots are overwritten before they are ever attended); each frame is one run at
/// one row. The cache outputs stay where the provider put them (on the card) and go straight back in; with
/// <paramref name="inPlace"/> (the CPU's fused graph) one set of cache buffers is both input and output and is written
/// in place, so no run copies or allocates the cache. Without <paramref name="shapes"/> (the CPU's engine talker at
/// dynamic shapes) the prompt is not padded and the in-place cache doubles when it fills.
/// </summary>
internal sealed class BucketedTalker(InferenceSession step, ModelSessions sessions, RunOptions run, OrtTimer timer, StaticShapeOptions? shapes,
    bool inPlace = false, int growthStep = BucketedTalker.DefaultGrowthStep)
    : ITalker, IReservesFrames
{
    private readonly int _hidden = sessions.Manifest.Talker.Hidden;
    private readonly int _vocab = sessions.Manifest.Talker.CodecVocab;
    private readonly string[] _pastNames = Enumerable.Range(0, sessions.Manifest.Talker.Layers)
        .SelectMany(i => new[] { $"past_key_{i}", $"past_value_{i}" }).ToArray();
    private readonly OrtMemoryInfo _cacheMemory = OnnxTalker.CacheMemory(sessions.Provider);
    private readonly long[] _position = new long[1];
    private IDisposableReadOnlyCollection<OrtValue>? _cacheOwner;
    private OrtValue[] _cache = [];
    private int _frames = sessions.Manifest.Generation.MaxNewTokens;
    private int _length;
    private float[][] _arrays = [];
    private int _capacity;
    private OrtIoBinding? _decodeBinding;
    private OrtValue? _decodePosition;
    private OrtValue? _logitsValue;
    private OrtValue? _hiddenValue;
    private float[]? _boundLogits;
    private float[]? _boundHidden;

    /// <summary>The most frames this utterance may make: the cache is sized once for prompt plus these.</summary>
    public void Reserve(int frames) => _frames = frames;

    public void Prefill(float[] embeds, int rows, float[] logits, float[] lastHidden)
    {
        var prefill = shapes?.PrefillLength(rows) ?? rows;
        OrtValue[] zeros = [];
        if (inPlace)
        {
            // GroupQueryAttention needs every prefilled slot in the cache (padding included): it does not clamp as the scatter does.
            AllocateInPlace(Math.Max(prefill, shapes?.CacheCapacity(rows + _frames) ?? RoundUp(rows + Math.Min(_frames, growthStep))), keep: 0);
        }
        else
        {
            var capacity = (shapes ?? throw new InvalidOperationException("Without static shapes the talker step runs in place.")).CacheCapacity(rows + _frames);
            var t = sessions.Manifest.Talker;
            var cacheLength = t.KvHeads * capacity * t.HeadDim;
            _cache = zeros = [.. _pastNames.Select(_ => OrtValue.CreateTensorValueFromMemory(new float[cacheLength], [1, t.KvHeads, capacity, t.HeadDim]))];
        }

        try
        {
            _length = 0;
            Run(Padded(embeds, rows, prefill), prefill, rows - 1, logits, lastHidden);
            _length = rows;
        }
        finally
        {
            foreach (var zero in zeros) // the copying form's first cache; its outputs are the cache from here on
            {
                zero.Dispose();
            }
        }
    }

    /// <summary>Without static shapes the in-place cache starts at the prompt plus this many frames and doubles when full.</summary>
    public const int DefaultGrowthStep = 256;

    private int RoundUp(int rows) => (rows + growthStep - 1) / growthStep * growthStep;

    private float[] Padded(float[] embeds, int rows, int length)
    {
        if (length == rows && embeds.Length == rows * _hidden)
        {
            return embeds;
        }

        var padded = new float[length * _hidden];
        Array.Copy(embeds, padded, rows * _hidden);
        return padded;
    }

    /// <summary>A zeroed in-place cache of <paramref name="capacity"/> slots holding the first <paramref name="keep"/> slots of the current one.</summary>
    private void AllocateInPlace(int capacity, int keep)
    {
        var t = sessions.Manifest.Talker;
        var (kvHeads, headDim) = (t.KvHeads, t.HeadDim);
        var arrays = new float[_pastNames.Length][];
        for (var i = 0; i < arrays.Length; i++)
        {
            arrays[i] = new float[kvHeads * capacity * headDim];
            for (var h = 0; h < kvHeads && keep > 0; h++)
            {
                Array.Copy(_arrays[i], h * _capacity * headDim, arrays[i], h * capacity * headDim, keep * headDim);
            }
        }

        DisposeInPlaceCache();
        (_arrays, _capacity) = (arrays, capacity);
        _cache = [.. arrays.Select(a => OrtValue.CreateTensorValueFromMemory(a, [1, kvHeads, capacity, headDim]))];
    }

    public void Decode(float[] embed, float[] logits, float[] lastHidden)
    {
        if (_cacheOwner is null && !(inPlace && _cache.Length > 0))
        {
            throw new InvalidOperationException("Decode before Prefill.");
        }

        if (inPlace && shapes is null && _length + 1 > _capacity)
        {
            AllocateInPlace(_capacity * 2, keep: _length);
        }

        if (inPlace)
        {
            DecodeInPlace(embed, logits, lastHidden);
        }
        else
        {
            Run(embed, 1, 0, logits, lastHidden);
        }

        _length++;
    }

    /// <summary>
    /// One row through a binding made once per cache and output buffers: the cache, position, logits and hidden state
    /// stay bound (the cache is both input and output), so a frame rebinds only its row and allocates nothing else.
    /// </summary>
    private void DecodeInPlace(float[] embed, float[] logits, float[] lastHidden)
    {
        if (_decodeBinding is null || !ReferenceEquals(_boundLogits, logits) || !ReferenceEquals(_boundHidden, lastHidden))
        {
            DisposeDecodeBinding();
            _decodePosition = FloatTensors.Int64(_position, 1, [1]);
            _logitsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, logits.AsMemory(0, _vocab), [1, 1, _vocab]);
            _hiddenValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, lastHidden.AsMemory(0, _hidden), [1, 1, _hidden]);
            (_boundLogits, _boundHidden) = (logits, lastHidden);
            _decodeBinding = step.CreateIoBinding();
            _decodeBinding.BindInput("position", _decodePosition);
            _decodeBinding.BindOutput("logits", _logitsValue);
            _decodeBinding.BindOutput("last_hidden", _hiddenValue);
            for (var i = 0; i < _pastNames.Length; i++)
            {
                _decodeBinding.BindInput(_pastNames[i], _cache[i]);
                _decodeBinding.BindOutput(_pastNames[i].Replace("past_", "present_", StringComparison.Ordinal), _cache[i]);
            }
        }

        _position[0] = _length;
        using var rowValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, embed.AsMemory(0, _hidden), [1, 1, _hidden]);
        _decodeBinding.BindInput("rows", rowValue);
        var started = timer.Start();
        step.RunWithBinding(run, _decodeBinding);
        timer.Stop(started, SlotDecoderGraph.TalkerName);
    }

    private void DisposeDecodeBinding()
    {
        _decodeBinding?.Dispose();
        _decodePosition?.Dispose();
        _logitsValue?.Dispose();
        _hiddenValue?.Dispose();
        (_decodeBinding, _decodePosition, _logitsValue, _hiddenValue, _boundLogits, _boundHidden) = (null, null, null, null, null, null);
    }

    /// <summary>Runs <paramref name="count"/> rows at positions from the current length; reads row <paramref name="keep"/>.</summary>
    private void Run(float[] rows, int count, int keep, float[] logits, float[] lastHidden)
    {
        _position[0] = _length;
        using var binding = step.CreateIoBinding();
        using var rowsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows.AsMemory(0, count * _hidden), [1, count, _hidden]);
        using var positionValue = FloatTensors.Int64(_position, 1, [1]);
        binding.BindInput("rows", rowsValue);
        binding.BindInput("position", positionValue);
        for (var i = 0; i < _pastNames.Length; i++)
        {
            binding.BindInput(_pastNames[i], _cache[i]);
        }

        binding.BindOutputToDevice("logits", OrtMemoryInfo.DefaultInstance);
        binding.BindOutputToDevice("last_hidden", OrtMemoryInfo.DefaultInstance);
        for (var i = 0; i < _pastNames.Length; i++)
        {
            var present = _pastNames[i].Replace("past_", "present_", StringComparison.Ordinal);
            if (inPlace)
            {
                binding.BindOutput(present, _cache[i]);
            }
            else
            {
                binding.BindOutputToDevice(present, _cacheMemory);
            }
        }

        var started = timer.Start();
        step.RunWithBinding(run, binding);
        timer.Stop(started, SlotDecoderGraph.TalkerName);

        var outputs = binding.GetOutputValues();
        FloatTensors.Read(outputs[0], logits.AsSpan(0, _vocab), keep * _vocab);
        FloatTensors.Read(outputs[1], lastHidden.AsSpan(0, _hidden), keep * _hidden);
        if (inPlace)
        {
            outputs.Dispose(); // the cache values are ours (_cache); these are views of the same buffers
            return;
        }

        var previous = _cacheOwner;
        _cache = outputs.Skip(2).ToArray();
        _cacheOwner = outputs;
        previous?.Dispose();
    }

    private void DisposeInPlaceCache()
    {
        DisposeDecodeBinding(); // it binds the cache values
        foreach (var value in _cache)
        {
            value.Dispose();
        }

        _cache = [];
    }

    public void Dispose()
    {
        if (inPlace)
        {
            DisposeInPlaceCache();
        }

        _cacheOwner?.Dispose();
        if (!ReferenceEquals(_cacheMemory, OrtMemoryInfo.DefaultInstance))
        {
            _cacheMemory.Dispose();
        }
    }
}

/// <summary>A talker that sizes its cache for the utterance's frame limit before the prompt goes in.</summary>
internal interface IReservesFrames
{
    void Reserve(int frames);
}
