using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// text_project, codec_embed and code_predictor_embed for one utterance (owns its small buffers). With static shapes,
/// batched lookups are padded to one of <paramref name="paddedLengths"/> ids and the padding rows dropped.
/// </summary>
internal sealed class OnnxEmbeddings(ModelSessions sessions, RunOptions run, OrtTimer timer, IReadOnlyList<int>? paddedLengths = null) : IEmbeddings
{
    private static readonly string[] TextInputs = ["input_ids"];
    private static readonly string[] TextOutputs = ["text_embed"];
    private static readonly string[] CodecInputs = ["token_ids"];
    private static readonly string[] EmbedOutputs = ["embed"];
    private static readonly string[] PredictorInputs = ["token_id", "layer_idx"];

    private readonly int _hidden = sessions.Manifest.Talker.Hidden;
    private readonly FloatTensors _text = new(sessions.FloatType(GraphNames.TextProject));
    private readonly FloatTensors _codec = new(sessions.FloatType(GraphNames.CodecEmbed));
    private readonly FloatTensors _predictor = new(sessions.FloatType(GraphNames.CodePredictorEmbed));
    private long[] _ids = new long[64];
    private readonly long[] _layer = new long[1];
    private SingleLookup? _single;

    public void Text(IReadOnlyList<int> ids, float[] destination, int offset) =>
        Lookup(GraphNames.TextProject, _text, TextInputs, TextOutputs, ids, destination, offset);

    public void Codec(IReadOnlyList<int> ids, float[] destination, int offset) =>
        Lookup(GraphNames.CodecEmbed, _codec, CodecInputs, EmbedOutputs, ids, destination, offset);

    /// <summary>Called 15 times a frame: its tensors are made once and refilled in place.</summary>
    public void PredictorCode(int code, int layer, float[] destination, int offset)
    {
        _single ??= new SingleLookup(_hidden, _predictor.IsHalf);
        _single.Ids[0] = code;
        _single.Layer[0] = layer;
        if (_predictor.IsHalf)
        {
            RunInto(GraphNames.CodePredictorEmbed, _predictor, PredictorInputs, [_single.IdsValue, _single.LayerValue], EmbedOutputs, 1, destination, offset);
            return;
        }

        var started = timer.Start();
        sessions[GraphNames.CodePredictorEmbed].Run(run, PredictorInputs, [_single.IdsValue, _single.LayerValue], EmbedOutputs, [_single.OutputValue!]);
        timer.Stop(started, GraphNames.CodePredictorEmbed);
        Array.Copy(_single.Output, 0, destination, offset, _hidden);
    }

    public void PredictorCodes(IReadOnlyList<int> codes, int layer, float[] destination, int offset)
    {
        _layer[0] = layer;
        Lookup(GraphNames.CodePredictorEmbed, _predictor, PredictorInputs, EmbedOutputs, codes, destination, offset, withLayer: true);
    }

    private void Lookup(string graph, FloatTensors floats, string[] inputNames, string[] outputNames, IReadOnlyList<int> ids, float[] destination, int offset,
        bool withLayer = false)
    {
        var count = paddedLengths is null || ids.Count == 1 ? ids.Count : StaticShapeOptions.Smallest(paddedLengths, ids.Count, "lookup length", "a prompt");
        if (_ids.Length < count)
        {
            _ids = new long[Math.Max(count, _ids.Length * 2)];
        }

        Array.Clear(_ids, 0, count);
        for (var i = 0; i < ids.Count; i++)
        {
            _ids[i] = ids[i];
        }

        using var input = FloatTensors.Int64(_ids, count, [1, count]);
        using var layer = withLayer ? FloatTensors.Int64Scalar(_layer) : null;
        if (count == ids.Count)
        {
            RunInto(graph, floats, inputNames, layer is null ? [input] : [input, layer], outputNames, ids.Count, destination, offset);
            return;
        }

        var padded = new float[count * _hidden];
        RunInto(graph, floats, inputNames, layer is null ? [input] : [input, layer], outputNames, count, padded, 0);
        Array.Copy(padded, 0, destination, offset, ids.Count * _hidden);
    }

    /// <summary>Runs a graph whose single output is [1, rows, hidden], straight into destination where possible.</summary>
    private void RunInto(string graph, FloatTensors floats, string[] inputNames, OrtValue[] inputs, string[] outputNames, int rows, float[] destination, int offset)
    {
        var length = rows * _hidden;
        using var output = floats.IsHalf
            ? null
            : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, destination.AsMemory(offset, length), [1, rows, _hidden]);
        var session = sessions[graph];
        var started = timer.Start();
        if (output is not null)
        {
            session.Run(run, inputNames, inputs, outputNames, [output]);
            timer.Stop(started, graph);
            return;
        }

        using var results = session.Run(run, inputNames, inputs, outputNames);
        timer.Stop(started, graph);
        FloatTensors.Read(results[0], destination.AsSpan(offset, length));
    }

    public void Dispose() => _single?.Dispose();

    /// <summary>Reusable one-token input, layer index and output of code_predictor_embed.</summary>
    private sealed class SingleLookup : IDisposable
    {
        public SingleLookup(int hidden, bool half)
        {
            IdsValue = FloatTensors.Int64(Ids, 1, [1, 1]);
            LayerValue = FloatTensors.Int64Scalar(Layer);
            Output = new float[hidden];
            OutputValue = half ? null : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Output.AsMemory(), [1, 1, hidden]);
        }

        public long[] Ids { get; } = new long[1];

        public long[] Layer { get; } = new long[1];

        public float[] Output { get; }

        public OrtValue IdsValue { get; }

        public OrtValue LayerValue { get; }

        public OrtValue? OutputValue { get; }

        public void Dispose()
        {
            IdsValue.Dispose();
            LayerValue.Dispose();
            OutputValue?.Dispose();
        }
    }
}
