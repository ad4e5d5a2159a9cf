using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// The code predictor through its cached step graph, for one utterance. The engine asks for logits with the context
/// grown by one row each step (rows = step + 2); only the new row is run. At a frame's first step the talker row goes
/// in first (its logits unused), then the c0 row; the cache is two fixed sets of host buffers that swap roles each
/// run, so no cache is ever copied or allocated. Slots past the position are masked, so stale rows do no harm. Two
/// IOBindings (A to B, B to A) keep everything bound between runs; only the row is rebound.
/// </summary>
internal sealed class CachedCodePredictor : ICodePredictor
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run;
    private readonly OrtTimer _timer;
    private readonly int _hidden;
    private readonly int _codebookSize;
    private readonly OrtValue[][] _caches;
    private readonly OrtIoBinding[] _bindings;
    private readonly string[] _pastNames;
    private readonly string[] _presentNames;
    private readonly long[] _position = new long[1];
    private readonly long[] _step = new long[1];
    private readonly OrtValue _positionValue;
    private readonly OrtValue _stepValue;
    private int _current;
    private OrtValue? _logitsValue;
    private float[]? _logitsBuffer;

    public CachedCodePredictor(InferenceSession session, int talkerHidden, int codebookSize, int layers, int cacheElements, RunOptions run, OrtTimer timer)
    {
        _session = session;
        _run = run;
        _timer = timer;
        _hidden = talkerHidden;
        _codebookSize = codebookSize;
        _pastNames = Enumerable.Range(0, layers).SelectMany(i => new[] { $"past_key_{i}", $"past_value_{i}" }).ToArray();
        _presentNames = _pastNames.Select(n => n.Replace("past_", "present_", StringComparison.Ordinal)).ToArray();
        var shape = session.InputMetadata["past_key_0"].Dimensions.Select(d => (long)d).ToArray();
        _caches = [.. Enumerable.Range(0, 2).Select(_ => _pastNames
            .Select(__ => OrtValue.CreateTensorValueFromMemory(new float[cacheElements], shape)).ToArray())];
        _positionValue = FloatTensors.Int64(_position, 1, [1]);
        _stepValue = FloatTensors.Int64Scalar(_step);
        _bindings = [Bind(_caches[0], _caches[1]), Bind(_caches[1], _caches[0])];
    }

    private OrtIoBinding Bind(OrtValue[] from, OrtValue[] to)
    {
        var binding = _session.CreateIoBinding();
        binding.BindInput("position", _positionValue);
        binding.BindInput("gen_step", _stepValue);
        for (var i = 0; i < _pastNames.Length; i++)
        {
            binding.BindInput(_pastNames[i], from[i]);
            binding.BindOutput(_presentNames[i], to[i]);
        }

        return binding;
    }

    public void Logits(float[] context, int rows, int step, float[] logits)
    {
        if (rows == 2)
        {
            RunRow(context, 0, 0, logits); // the talker's hidden state: fills slot 0, logits unused
        }

        RunRow(context, rows - 1, step, logits);
    }

    private void RunRow(float[] context, int row, int step, float[] logits)
    {
        if (!ReferenceEquals(_logitsBuffer, logits))
        {
            _logitsValue?.Dispose();
            _logitsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, logits.AsMemory(0, _codebookSize), [1, 1, _codebookSize]);
            _logitsBuffer = logits;
            foreach (var each in _bindings)
            {
                each.BindOutput("logits", _logitsValue);
            }
        }

        _position[0] = row;
        _step[0] = step;
        using var rowValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, context.AsMemory(row * _hidden, _hidden), [1, 1, _hidden]);
        var binding = _bindings[_current];
        binding.BindInput("rows", rowValue);
        var started = _timer.Start();
        _session.RunWithBinding(_run, binding);
        _timer.Stop(started, SlotDecoderGraph.PredictorName);
        _current = 1 - _current;
    }

    public void Dispose()
    {
        foreach (var binding in _bindings)
        {
            binding.Dispose();
        }

        foreach (var value in _caches.SelectMany(c => c))
        {
            value.Dispose();
        }

        _positionValue.Dispose();
        _stepValue.Dispose();
        _logitsValue?.Dispose();
    }
}
