using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// A slot-cache step (fused or standard) bound once to fixed buffers for one batch shape: the input rows, the
/// position(s) and the logits (and the talker's hidden state) in host arrays, every layer's cache (input and output,
/// written in place) wherever the caches live, stay bound, so a run writes its inputs into the buffers and rebinds at
/// most the predictor's head. Creating a binding and an OrtValue per buffer each run costs a decode loop about as much
/// as a small step's arithmetic; this costs nothing per run. Row b of the caches is row <c>firstRow + b</c> of theirs.
/// </summary>
public sealed class BoundSlotStep : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly List<OrtValue> _values = [];
    private OrtValue? _head;

    /// <param name="perRow">Positions one per row (the batched talker, input <c>positions</c>) or one for all (<c>position</c>).</param>
    /// <param name="logitsOutput">The output bound to <paramref name="logits"/>: the batched predictor gives its last hidden state instead.</param>
    public BoundSlotStep(InferenceSession session, ISlotCaches caches, int firstRow, int batch, float[] rows, int rowsEach, int width,
        long[] positions, bool perRow, float[] logits, int vocab, float[]? hidden = null, int hiddenWidth = 0, string logitsOutput = "logits")
    {
        _session = session;
        _binding = session.CreateIoBinding();
        try
        {
            _binding.BindInput("rows", Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows.AsMemory(0, batch * rowsEach * width), [batch, rowsEach, width])));
            _binding.BindInput(perRow ? FusedSlotDecoderGraph.PositionsInput : "position",
                Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, positions.AsMemory(0, perRow ? batch : 1), [perRow ? batch : 1])));
            var outputRows = hidden is null ? 1 : rowsEach; // the talker's outputs cover every input row; the predictor's only the last
            _binding.BindOutput(logitsOutput, Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, logits.AsMemory(0, batch * outputRows * vocab), [batch, outputRows, vocab])));
            if (hidden is not null)
            {
                _binding.BindOutput("last_hidden", Add(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                    hidden.AsMemory(0, batch * outputRows * hiddenWidth), [batch, outputRows, hiddenWidth])));
            }

            for (var i = 0; i < caches.Layers; i++)
            {
                var keys = Add(caches.Keys(i, firstRow, batch));
                var values = Add(caches.Values(i, firstRow, batch));
                _binding.BindInput($"past_key_{i}", keys);
                _binding.BindInput($"past_value_{i}", values);
                _binding.BindOutput($"present_key_{i}", keys);
                _binding.BindOutput($"present_value_{i}", values);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private OrtValue Add(OrtValue value)
    {
        _values.Add(value);
        return value;
    }

    /// <summary>Runs on what the bound buffers hold now; <paramref name="head"/>: the predictor's head for this gen_step.</summary>
    public void Run(RunOptions run, OrtValue? head = null)
    {
        if (head is not null && !ReferenceEquals(head, _head))
        {
            _binding.BindInput(FusedSlotDecoderGraph.HeadInput, head);
            _head = head;
        }

        _session.RunWithBinding(run, _binding);
    }

    public void Dispose()
    {
        _binding.Dispose();
        _values.ForEach(v => v.Dispose());
    }
}
