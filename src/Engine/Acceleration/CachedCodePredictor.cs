using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// The code predictor through its cached step graph, for one utterance. The engine asks for logits with the context
/// grown by one row each step (rows = step + 2); only the new row is run. At a frame's first step the talker row goes
/// in first (its logits unused), then the c0 row; the cache is two fixed sets of host buffers that swap roles each
/// run, so no cache is ever copied or allocated. Slots past the position are masked, so stale rows do no harm.
/// </summary>
internal sealed class CachedCodePredictor : ICodePredictor
{
    private readonly InferenceSession _session;
    private readonly RunOptions _run;
    private readonly OrtTimer _timer;
    private readonly int _hidden;
    private readonly int _codebookSize;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly OrtValue[][] _caches;
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
        var pastNames = Enumerable.Range(0, layers).SelectMany(i => new[] { $"past_key_{i}", $"past_value_{i}" }).ToArray();
        _inputNames = ["row", "position", "gen_step", .. pastNames];
        _outputNames = ["logits", .. pastNames.Select(n => n.Replace("past_", "present_", StringComparison.Ordinal))];
        var shape = session.InputMetadata["past_key_0"].Dimensions.Select(d => (long)d).ToArray();
        _caches = [.. Enumerable.Range(0, 2).Select(_ => pastNames
            .Select(__ => OrtValue.CreateTensorValueFromMemory(new float[cacheElements], shape)).ToArray())];
        _positionValue = FloatTensors.Int64(_position, 1, [1]);
        _stepValue = FloatTensors.Int64Scalar(_step);
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
        }

        _position[0] = row;
        _step[0] = step;
        using var rowValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, context.AsMemory(row * _hidden, _hidden), [1, 1, _hidden]);
        var (from, to) = (_caches[_current], _caches[1 - _current]);
        var started = _timer.Start();
        _session.Run(_run, _inputNames, [rowValue, _positionValue, _stepValue, .. from], _outputNames, [_logitsValue!, .. to]);
        _timer.Stop(started, CachedPredictorGraph.Name);
        _current = 1 - _current;
    }

    public void Dispose()
    {
        foreach (var value in _caches.SelectMany(c => c))
        {
            value.Dispose();
        }

        _positionValue.Dispose();
        _stepValue.Dispose();
        _logitsValue?.Dispose();
    }
}
