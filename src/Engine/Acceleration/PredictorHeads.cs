using Microsoft.ML.OnnxRuntime;
using QwenTts.Graphs;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// The batched code predictor's 15 heads, one small session each, the head a constant of its graph: the CPU provider
/// prepacks a constant once, where a head bound as an input is packed (or multiplied 16 columns at a time) every run.
/// A row's logits come from the same kernel whatever the batch size, so every row is bit-equal to the same row alone
/// (<see cref="Diagnostics.BatchInvariance"/> proves it at load). Each takes the predictor body's last hidden state
/// [B, 1, hidden] and gives that gen_step's logits [B, 1, vocab].
/// </summary>
public sealed class PredictorHeads : IDisposable
{
    public const string InputName = "last_hidden";

    /// <summary>Each head's graph is this and its gen_step.</summary>
    public const string NamePrefix = "code_predictor_head_";

    private readonly InferenceSession[] _sessions;

    private PredictorHeads(InferenceSession[] sessions, int hidden, int vocab)
    {
        _sessions = sessions;
        Hidden = hidden;
        Vocab = vocab;
    }

    public int Hidden { get; }

    public int Vocab { get; }

    public int Count => _sessions.Length;

    /// <param name="stacked">The checkpoint's heads [heads, hidden, vocab].</param>
    /// <param name="half">For an fp16 export: each head in fp16 and multiplied in fp16, as the standard cached predictor does.</param>
    public static PredictorHeads Build(float[] stacked, int heads, int hidden, int vocab, SessionOptions options, bool half = false)
    {
        var sessions = new List<InferenceSession>();
        try
        {
            for (var j = 0; j < heads; j++)
            {
                var head = stacked.AsSpan(j * hidden * vocab, hidden * vocab).ToArray();
                using var g = new OnnxGraphBuilder(NamePrefix + j, (_, _, _, _) => head, inline: true)
                {
                    DocString = $"QwenTts: the code predictor's head for gen_step {j}, a constant (prepacked once).",
                    HalfMatMuls = half,
                };
                var input = g.Input(InputName, OnnxGraphBuilder.Float, "B", 1, hidden);
                var logits = g.WeightMatMul(input, "lm_head", 1f, hidden, vocab);
                g.Output(logits, "logits", OnnxGraphBuilder.Float, "B", 1, vocab);
                sessions.Add(new InferenceSession(g.ToBytes(), options));
            }
        }
        catch
        {
            sessions.ForEach(s => s.Dispose());
            throw;
        }

        return new PredictorHeads([.. sessions], hidden, vocab);
    }

    /// <summary>The head of <paramref name="genStep"/> (its graph run once per shape by a static-shape warm-up).</summary>
    public InferenceSession Session(int genStep) => _sessions[genStep];

    /// <summary>The head of <paramref name="genStep"/> bound to fixed buffers for <paramref name="batch"/> rows.</summary>
    public Bound Bind(int genStep, int batch, float[] hidden, float[] logits) => new(_sessions[genStep], batch, hidden, Hidden, logits, Vocab);

    public void Dispose()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
    }

    /// <summary>One head's run on fixed host buffers (bound once, nothing made per run).</summary>
    public sealed class Bound : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly OrtIoBinding _binding;
        private readonly OrtValue _input;
        private readonly OrtValue _output;

        internal Bound(InferenceSession session, int batch, float[] hidden, int width, float[] logits, int vocab)
        {
            _session = session;
            _binding = session.CreateIoBinding();
            _input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, hidden.AsMemory(0, batch * width), [batch, 1, width]);
            _output = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, logits.AsMemory(0, batch * vocab), [batch, 1, vocab]);
            try
            {
                _binding.BindInput(InputName, _input);
                _binding.BindOutput("logits", _output);
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public void Run(RunOptions run) => _session.RunWithBinding(run, _binding);

        public void Dispose()
        {
            _binding.Dispose();
            _input.Dispose();
            _output.Dispose();
        }
    }
}
