using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>text_project, codec_embed and code_predictor_embed for one utterance (owns its small buffers).</summary>
internal sealed class OnnxEmbeddings(ModelSessions sessions, RunOptions run, OrtTimer timer) : IEmbeddings
{
    private static readonly string[] TextInputs = ["input_ids"];
    private static readonly string[] TextOutputs = ["text_embed"];
    private static readonly string[] CodecInputs = ["token_ids"];
    private static readonly string[] EmbedOutputs = ["embed"];
    private static readonly string[] PredictorInputs = ["token_id", "layer_idx"];

    private readonly int _hidden = sessions.Manifest.Talker.Hidden;
    private readonly FloatTensors _floats = new(sessions.Manifest.Dtype == TensorFloatType.Float16
        ? Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float16 : Microsoft.ML.OnnxRuntime.Tensors.TensorElementType.Float);
    private long[] _ids = new long[64];
    private readonly long[] _layer = new long[1];

    public void Text(IReadOnlyList<int> ids, float[] destination, int offset) =>
        Lookup(sessions[GraphNames.TextProject], TextInputs, TextOutputs, ids, destination, offset);

    public void Codec(IReadOnlyList<int> ids, float[] destination, int offset) =>
        Lookup(sessions[GraphNames.CodecEmbed], CodecInputs, EmbedOutputs, ids, destination, offset);

    public void PredictorCode(int code, int layer, float[] destination, int offset)
    {
        _ids[0] = code;
        _layer[0] = layer;
        using var ids = FloatTensors.Int64(_ids, 1, [1, 1]);
        using var layerIndex = FloatTensors.Int64Scalar(_layer);
        RunInto(sessions[GraphNames.CodePredictorEmbed], PredictorInputs, [ids, layerIndex], EmbedOutputs, 1, destination, offset);
    }

    public void PredictorCodes(IReadOnlyList<int> codes, int layer, float[] destination, int offset)
    {
        _layer[0] = layer;
        Lookup(sessions[GraphNames.CodePredictorEmbed], PredictorInputs, EmbedOutputs, codes, destination, offset, withLayer: true);
    }

    private void Lookup(InferenceSession session, string[] inputNames, string[] outputNames, IReadOnlyList<int> ids, float[] destination, int offset,
        bool withLayer = false)
    {
        if (_ids.Length < ids.Count)
        {
            _ids = new long[Math.Max(ids.Count, _ids.Length * 2)];
        }

        for (var i = 0; i < ids.Count; i++)
        {
            _ids[i] = ids[i];
        }

        using var input = FloatTensors.Int64(_ids, ids.Count, [1, ids.Count]);
        using var layer = withLayer ? FloatTensors.Int64Scalar(_layer) : null;
        RunInto(session, inputNames, layer is null ? [input] : [input, layer], outputNames, ids.Count, destination, offset);
    }

    /// <summary>Runs a graph whose single output is [1, rows, hidden], straight into destination where possible.</summary>
    private void RunInto(InferenceSession session, string[] inputNames, OrtValue[] inputs, string[] outputNames, int rows, float[] destination, int offset)
    {
        var length = rows * _hidden;
        using var output = _floats.IsHalf
            ? null
            : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, destination.AsMemory(offset, length), [1, rows, _hidden]);
        var started = timer.Start();
        if (output is not null)
        {
            session.Run(run, inputNames, inputs, outputNames, [output]);
            timer.Stop(started);
            return;
        }

        using var results = session.Run(run, inputNames, inputs, outputNames);
        timer.Stop(started);
        FloatTensors.Read(results[0], destination.AsSpan(offset, length));
    }

    public void Dispose()
    {
    }
}
