using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// talker_prefill and talker_decode for one utterance. The KV cache never leaves ONNX Runtime: each step's
/// new_past_* outputs (allocated by ORT on the card) are bound as the next step's past_* inputs through IOBinding,
/// so no managed copy of the cache is ever made.
/// </summary>
internal sealed class OnnxTalker : ITalker
{
    private readonly InferenceSession _prefill;
    private readonly InferenceSession _decode;
    private readonly RunOptions _run;
    private readonly OrtTimer _timer;
    private readonly OrtIoBinding _binding;
    private readonly OrtMemoryInfo _cacheMemory;
    private readonly FloatTensors _floats;
    private readonly int _hidden;
    private readonly int _vocab;
    private readonly string[] _pastNames;
    private readonly string[] _prefillCacheOutputs;
    private readonly string[] _decodeCacheOutputs;
    private long[] _mask = new long[256];
    private readonly long[] _position = new long[1];
    private float[] _hiddenRows = [];
    private IDisposableReadOnlyCollection<OrtValue>? _cacheOwner;
    private OrtValue[] _cache = [];
    private int _pastLength;

    private readonly int _maskExtra;

    /// <param name="maskExtra">attention_mask of talker_decode is past + this long (1, or 2 as the export was traced).</param>
    public OnnxTalker(ModelSessions sessions, RunOptions run, OrtTimer timer, int maskExtra = 1)
    {
        _maskExtra = maskExtra;
        _prefill = sessions[GraphNames.TalkerPrefill];
        _decode = sessions[GraphNames.TalkerDecode];
        _run = run;
        _timer = timer;
        _binding = _decode.CreateIoBinding();
        _cacheMemory = CacheMemory(sessions.Provider);
        _floats = new FloatTensors(sessions.FloatType(GraphNames.TalkerDecode));
        _hidden = sessions.Manifest.Talker.Hidden;
        _vocab = sessions.Manifest.Talker.CodecVocab;
        var layers = sessions.Manifest.Talker.Layers;
        _pastNames = Enumerable.Range(0, layers).SelectMany(i => new[] { $"past_key_{i}", $"past_value_{i}" }).ToArray();
        _prefillCacheOutputs = _pastNames;
        _decodeCacheOutputs = _pastNames.Select(n => "new_" + n).ToArray();
    }

    public void Prefill(float[] embeds, int rows, float[] logits, float[] lastHidden)
    {
        EnsureMask(rows);
        if (_hiddenRows.Length < rows * _hidden)
        {
            _hiddenRows = new float[rows * _hidden];
        }

        using var binding = _prefill.CreateIoBinding();
        using var embedsValue = _floats.Input(embeds, rows * _hidden, [1, rows, _hidden]);
        using var maskValue = FloatTensors.Int64(_mask, rows, [1, rows]);
        binding.BindInput("inputs_embeds", embedsValue);
        binding.BindInput("attention_mask", maskValue);
        Run(_prefill, GraphNames.TalkerPrefill, binding, logits, lastHidden, rows, _hiddenRows, _prefillCacheOutputs);
        _pastLength = rows;
    }

    public void Decode(float[] embed, float[] logits, float[] lastHidden)
    {
        if (_cacheOwner is null)
        {
            throw new InvalidOperationException("Decode before Prefill.");
        }

        EnsureMask(_pastLength + _maskExtra);
        _position[0] = _pastLength;
        _binding.ClearBoundInputs();
        _binding.ClearBoundOutputs();
        using var embedValue = _floats.Input(embed, _hidden, [1, 1, _hidden]);
        using var maskValue = FloatTensors.Int64(_mask, _pastLength + _maskExtra, [1, _pastLength + _maskExtra]);
        using var positionValue = FloatTensors.Int64(_position, 1, [1]);
        _binding.BindInput("inputs_embeds", embedValue);
        _binding.BindInput("attention_mask", maskValue);
        _binding.BindInput("cache_position", positionValue);
        for (var i = 0; i < _pastNames.Length; i++)
        {
            _binding.BindInput(_pastNames[i], _cache[i]);
        }

        Run(_decode, GraphNames.TalkerDecode, _binding, logits, lastHidden, 1, lastHidden, _decodeCacheOutputs);
        _pastLength++;
    }

    /// <summary>Binds logits and last_hidden to our buffers (fp32) and the cache to the card; runs; keeps the new cache.</summary>
    private void Run(InferenceSession session, string graph, OrtIoBinding binding, float[] logits, float[] lastHidden, int rows, float[] hiddenBuffer, string[] cacheOutputs)
    {
        using var logitsValue = _floats.PreallocatedOutput(logits, _vocab, [1, 1, _vocab]);
        using var hiddenValue = _floats.PreallocatedOutput(hiddenBuffer, rows * _hidden, [1, rows, _hidden]);
        if (logitsValue is null || hiddenValue is null)
        {
            binding.BindOutputToDevice("logits", OrtMemoryInfo.DefaultInstance);
            binding.BindOutputToDevice("last_hidden", OrtMemoryInfo.DefaultInstance);
        }
        else
        {
            binding.BindOutput("logits", logitsValue);
            binding.BindOutput("last_hidden", hiddenValue);
        }

        foreach (var name in cacheOutputs)
        {
            binding.BindOutputToDevice(name, _cacheMemory);
        }

        var started = _timer.Start();
        session.RunWithBinding(_run, binding);
        _timer.Stop(started, graph);

        var outputs = binding.GetOutputValues();
        if (logitsValue is null)
        {
            FloatTensors.Read(outputs[0], logits.AsSpan(0, _vocab));
            FloatTensors.Read(outputs[1], lastHidden.AsSpan(0, _hidden), (rows - 1) * _hidden);
        }
        else if (!ReferenceEquals(hiddenBuffer, lastHidden))
        {
            Array.Copy(hiddenBuffer, (rows - 1) * _hidden, lastHidden, 0, _hidden);
        }

        var previous = _cacheOwner;
        _cache = outputs.Skip(2).ToArray();
        _cacheOwner = outputs;
        previous?.Dispose();
    }

    private void EnsureMask(int length)
    {
        if (_mask.Length < length)
        {
            _mask = new long[Math.Max(length, _mask.Length * 2)];
        }

        Array.Fill(_mask, 1L, 0, length);
    }

    /// <summary>Where the cache lives: on the card for GPU and NPU providers, so it is never copied back to the host.</summary>
    internal static OrtMemoryInfo CacheMemory(ExecutionProviderOptions provider) => provider.Kind switch
    {
        ExecutionProviderKind.Cuda => new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA, OrtAllocatorType.DeviceAllocator, provider.DeviceId, OrtMemType.Default),
        ExecutionProviderKind.Rocm or ExecutionProviderKind.MIGraphX =>
            new OrtMemoryInfo(OrtMemoryInfo.allocatorHIP, OrtAllocatorType.DeviceAllocator, provider.DeviceId, OrtMemType.Default),
        ExecutionProviderKind.Cann => new OrtMemoryInfo("Cann", OrtAllocatorType.DeviceAllocator, provider.DeviceId, OrtMemType.Default),
        _ => OrtMemoryInfo.DefaultInstance,
    };

    public void Dispose()
    {
        _cacheOwner?.Dispose();
        _binding.Dispose();
        if (!ReferenceEquals(_cacheMemory, OrtMemoryInfo.DefaultInstance))
        {
            _cacheMemory.Dispose();
        }
    }
}
