using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Diagnostics;

/// <summary>
/// Runs every graph once at every static shape the card will see, so a graph-compiling provider compiles them all at
/// card start instead of during the first utterances: prefill lengths, cache capacities, the 15 predictor context
/// lengths, lookup lengths and chunk-decode sizes.
/// </summary>
public static class StaticShapeWarmUp
{
    public sealed record Result(int Shapes, TimeSpan Elapsed);

    public static Result Run(SpeechSynthesizer synthesizer)
    {
        var shapes = synthesizer.StaticShapes ?? throw new InvalidOperationException("Static shapes are off on this card.");
        var sessions = synthesizer.Sessions;
        var talker = sessions.Manifest.Talker;
        var codec = sessions.Manifest.Codec;
        var watch = Stopwatch.StartNew();
        var count = 0;
        void Zero(string graph, Dictionary<string, long[]> inputs)
        {
            RunOnce(sessions[graph], inputs);
            count++;
        }

        foreach (var length in shapes.PrefillLengths.Append(1))
        {
            Zero(GraphNames.TextProject, new() { ["input_ids"] = [1, length] });
            Zero(GraphNames.CodecEmbed, new() { ["token_ids"] = [1, length] });
            Zero(GraphNames.CodePredictorEmbed, new() { ["token_id"] = [1, length], ["layer_idx"] = [] });
        }

        // The slot-cache talker: every prefill length and one row, at every capacity.
        var step = synthesizer.Acceleration.EnsureTalkerStep(sessions)
            ?? throw new InvalidOperationException("Static shapes need the talker built from the checkpoint, which is " + synthesizer.Acceleration.TalkerStatus);
        foreach (var capacity in shapes.CacheCapacities)
        {
            foreach (var rows in shapes.PrefillLengths.Append(1).Where(rows => rows <= capacity))
            {
                var inputs = new Dictionary<string, long[]> { ["rows"] = [1, rows, talker.Hidden], ["position"] = [1] };
                for (var i = 0; i < talker.Layers; i++)
                {
                    inputs[$"past_key_{i}"] = [1, talker.KvHeads, capacity, talker.HeadDim];
                    inputs[$"past_value_{i}"] = [1, talker.KvHeads, capacity, talker.HeadDim];
                }

                RunOnce(step, inputs);
                count++;
            }
        }

        for (var rows = 2; rows <= codec.Codebooks; rows++)
        {
            Zero(GraphNames.CodePredictor, new() { ["context"] = [1, rows, talker.Hidden], ["gen_step"] = [] });
        }

        foreach (var frames in synthesizer.DecodeSizes())
        {
            Zero(GraphNames.CodecDecodeChunk, new() { ["audio_codes"] = [1, frames, codec.Codebooks], ["context_frames"] = [] });
        }

        return new Result(count, watch.Elapsed);
    }

    /// <summary>One run with zero-filled inputs (attention masks all ones) of the given shapes.</summary>
    private static void RunOnce(InferenceSession session, Dictionary<string, long[]> shapes)
    {
        var values = new List<OrtValue>();
        try
        {
            foreach (var (name, shape) in shapes)
            {
                var length = (int)shape.Aggregate(1L, (a, b) => a * b);
                values.Add(session.InputMetadata[name].ElementDataType switch
                {
                    TensorElementType.Float16 => OrtValue.CreateTensorValueFromMemory(new Float16[length], shape),
                    TensorElementType.Float => OrtValue.CreateTensorValueFromMemory(new float[length], shape),
                    _ => OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(name == "attention_mask" ? 1L : 0L, length).ToArray(), shape),
                });
            }

            using var run = new RunOptions();
            using var results = session.Run(run, [.. shapes.Keys], values, [.. session.OutputNames]);
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }
}
