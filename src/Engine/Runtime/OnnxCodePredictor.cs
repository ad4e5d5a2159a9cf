using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// code_predictor for one utterance: the context is re-run in full each step, as the public export requires. The
/// tensors are made once per utterance (one view of the context buffer per row count, one scalar per step) and
/// reused for every frame, so a step costs only its Run.
/// </summary>
internal sealed class OnnxCodePredictor : ICodePredictor
{
    private static readonly string[] InputNames = ["context", "gen_step"];
    private static readonly string[] OutputNames = ["logits"];

    private readonly InferenceSession _session;
    private readonly RunOptions _run;
    private readonly OrtTimer _timer;
    private readonly int _hidden;
    private readonly int _codebookSize;
    private readonly FloatTensors _floats;
    private readonly Dictionary<(float[] Buffer, int Rows), OrtValue> _contextViews = [];
    private readonly OrtValue[] _steps;
    private readonly long[][] _stepValues;
    private OrtValue? _output;
    private float[]? _outputBuffer;

    public OnnxCodePredictor(ModelSessions sessions, RunOptions run, OrtTimer timer)
    {
        _session = sessions[GraphNames.CodePredictor];
        _run = run;
        _timer = timer;
        _hidden = sessions.Manifest.Talker.Hidden;
        _codebookSize = sessions.Manifest.Codec.CodebookSize;
        _floats = new FloatTensors(sessions.FloatType(GraphNames.CodePredictor));
        var steps = sessions.Manifest.Codec.Codebooks - 1;
        _stepValues = Enumerable.Range(0, steps).Select(s => new long[] { s }).ToArray();
        _steps = _stepValues.Select(FloatTensors.Int64Scalar).ToArray();
    }

    public void Logits(float[] context, int rows, int step, float[] logits)
    {
        var contextValue = ContextView(context, rows);
        if (_floats.IsHalf)
        {
            using var results = Time(() => _session.Run(_run, InputNames, [contextValue, _steps[step]], OutputNames));
            FloatTensors.Read(results[0], logits.AsSpan(0, _codebookSize));
            if (!_contextViews.ContainsKey((context, rows)))
            {
                contextValue.Dispose();
            }

            return;
        }

        if (!ReferenceEquals(_outputBuffer, logits))
        {
            _output?.Dispose();
            _output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, logits.AsMemory(0, _codebookSize), [1, 1, _codebookSize]);
            _outputBuffer = logits;
        }

        var started = _timer.Start();
        _session.Run(_run, InputNames, [contextValue, _steps[step]], OutputNames, [_output]);
        _timer.Stop(started, GraphNames.CodePredictor);
    }

    /// <summary>fp32: a cached view of the caller's buffer; fp16: a fresh half-precision copy.</summary>
    private OrtValue ContextView(float[] context, int rows)
    {
        if (_floats.IsHalf)
        {
            return _floats.Input(context, rows * _hidden, [1, rows, _hidden]);
        }

        if (!_contextViews.TryGetValue((context, rows), out var view))
        {
            view = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, context.AsMemory(0, rows * _hidden), [1, rows, _hidden]);
            _contextViews[(context, rows)] = view;
        }

        return view;
    }

    private T Time<T>(Func<T> run)
    {
        var started = _timer.Start();
        var result = run();
        _timer.Stop(started, GraphNames.CodePredictor);
        return result;
    }

    public void Dispose()
    {
        foreach (var view in _contextViews.Values)
        {
            view.Dispose();
        }

        foreach (var step in _steps)
        {
            step.Dispose();
        }

        _output?.Dispose();
    }
}
