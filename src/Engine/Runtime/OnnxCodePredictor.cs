using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>code_predictor for one utterance: the context is re-run in full each step, as the public export requires.</summary>
internal sealed class OnnxCodePredictor(ModelSessions sessions, RunOptions run, OrtTimer timer) : ICodePredictor
{
    private static readonly string[] InputNames = ["context", "gen_step"];
    private static readonly string[] OutputNames = ["logits"];

    private readonly InferenceSession _session = sessions[GraphNames.CodePredictor];
    private readonly int _hidden = sessions.Manifest.Talker.Hidden;
    private readonly int _codebookSize = sessions.Manifest.Codec.CodebookSize;
    private readonly FloatTensors _floats = new(sessions.Manifest.Dtype == TensorFloatType.Float16 ? TensorElementType.Float16 : TensorElementType.Float);
    private readonly long[] _step = new long[1];

    public void Logits(float[] context, int rows, int step, float[] logits)
    {
        _step[0] = step;
        using var contextValue = _floats.Input(context, rows * _hidden, [1, rows, _hidden]);
        using var stepValue = FloatTensors.Int64Scalar(_step);
        using var output = _floats.PreallocatedOutput(logits, _codebookSize, [1, 1, _codebookSize]);
        var started = timer.Start();
        if (output is not null)
        {
            _session.Run(run, InputNames, [contextValue, stepValue], OutputNames, [output]);
            timer.Stop(started);
            return;
        }

        using var results = _session.Run(run, InputNames, [contextValue, stepValue], OutputNames);
        timer.Stop(started);
        FloatTensors.Read(results[0], logits.AsSpan(0, _codebookSize));
    }

    public void Dispose()
    {
    }
}
