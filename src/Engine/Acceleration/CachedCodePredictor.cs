using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// The code predictor through its cached step graph, for one utterance. The engine asks for logits with the context
/// grown by one row each step (rows = step + 2); only the new row is run. At a frame's first step the talker row and
/// the c0 row go in together (fused form) or one after the other (standard form: one row a run, the talker row's
/// logits unused). The cache is two fixed sets of host buffers that swap roles each run, so no cache is ever copied or
/// allocated. Slots past the position are masked, so stale rows do no harm. Two IOBindings (A to B, B to A) keep
/// everything bound between runs; only the rows and the head are rebound.
/// </summary>
internal sealed class CachedCodePredictor : ICodePredictor
{
    private readonly CachedPredictorStep _step;
    private readonly RunOptions _run;
    private readonly OrtTimer _timer;
    private readonly int _hidden;
    private readonly int _codebookSize;
    private readonly OrtValue[][] _caches;
    private readonly OrtIoBinding[] _bindings;
    private readonly string[] _pastNames;
    private readonly string[] _presentNames;
    private readonly long[] _position = new long[1];
    private readonly long[] _genStep = new long[1];
    private readonly OrtValue _positionValue;
    private readonly OrtValue _genStepValue;
    private int _current;
    private OrtValue? _logitsValue;
    private float[]? _logitsBuffer;

    public CachedCodePredictor(CachedPredictorStep step, int talkerHidden, int codebookSize, RunOptions run, OrtTimer timer)
    {
        _step = step;
        _run = run;
        _timer = timer;
        _hidden = talkerHidden;
        _codebookSize = codebookSize;
        _pastNames = Enumerable.Range(0, step.Layers).SelectMany(i => new[] { $"past_key_{i}", $"past_value_{i}" }).ToArray();
        _presentNames = _pastNames.Select(n => n.Replace("past_", "present_", StringComparison.Ordinal)).ToArray();
        var shape = step.Session.InputMetadata["past_key_0"].Dimensions.Select(d => (long)d).ToArray();
        _caches = [.. Enumerable.Range(0, 2).Select(_ => _pastNames
            .Select(__ => OrtValue.CreateTensorValueFromMemory(new float[step.CacheElements], shape)).ToArray())];
        _positionValue = FloatTensors.Int64(_position, 1, [1]);
        _genStepValue = FloatTensors.Int64Scalar(_genStep);
        _bindings = [Bind(_caches[0], _caches[1]), Bind(_caches[1], _caches[0])];
    }

    private OrtIoBinding Bind(OrtValue[] from, OrtValue[] to)
    {
        var binding = _step.Session.CreateIoBinding();
        binding.BindInput("position", _positionValue);
        if (_step.Heads is null)
        {
            binding.BindInput("gen_step", _genStepValue);
        }

        for (var i = 0; i < _pastNames.Length; i++)
        {
            binding.BindInput(_pastNames[i], from[i]);
            binding.BindOutput(_presentNames[i], to[i]);
        }

        return binding;
    }

    public void Logits(float[] context, int rows, int step, float[] logits)
    {
        if (rows == 2 && _step.TakesTwoRows)
        {
            Run(context, 0, 2, step, logits);
            return;
        }

        if (rows == 2)
        {
            Run(context, 0, 1, 0, logits); // the talker's hidden state: fills slot 0, logits unused
        }

        Run(context, rows - 1, 1, step, logits);
    }

    private void Run(float[] context, int first, int count, int step, float[] logits)
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

        _position[0] = first;
        _genStep[0] = step;
        using var rowsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, context.AsMemory(first * _hidden, count * _hidden), [1, count, _hidden]);
        var binding = _bindings[_current];
        binding.BindInput("rows", rowsValue);
        if (_step.Heads is { } heads)
        {
            binding.BindInput("lm_head", heads[step]);
        }

        var started = _timer.Start();
        _step.Session.RunWithBinding(_run, binding);
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
        _genStepValue.Dispose();
        _logitsValue?.Dispose();
    }
}
