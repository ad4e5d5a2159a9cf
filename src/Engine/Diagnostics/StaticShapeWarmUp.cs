using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Diagnostics;

/// <summary>
/// Runs every graph once at every static shape the card will see, so a graph-compiling provider compiles them all before
/// utterances need them: prefill lengths, cache capacities, the 15 predictor context lengths, lookup lengths and
/// chunk-decode sizes. At real size each talker shape is a compile of a 28-layer graph (and on the CPU a run over up to
/// 1024 rows), so the shapes come in two stages: the <b>ready set</b> (what a sentence-sized utterance needs: prompts up
/// to <see cref="StaticShapeOptions.ReadyPrefillLength"/> and the one-row step at every cache capacity, every lookup,
/// predictor and decode shape), after which the card takes work, then the rest, smallest first, in the background. A shape an utterance needs before the background
/// reaches it is compiled by that utterance's own run: slower once, never wrong.
/// </summary>
public static class StaticShapeWarmUp
{
    public sealed record Result(int Shapes, TimeSpan Elapsed, Stage Stage = Stage.All)
    {
        public string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{Shapes} {(Stage == Stage.All ? "" : Stage == Stage.Ready ? "ready-set " : "background ")}shapes in {Elapsed.TotalSeconds:F1} s");
    }

    /// <summary>Which shapes a run covers.</summary>
    public enum Stage
    {
        All,
        Ready,
        Rest,
    }

    /// <summary>One shape of one graph: run once with zeros.</summary>
    public sealed record Shape(string Graph, Dictionary<string, long[]> Inputs, bool Ready);

    public static Result Run(SpeechSynthesizer synthesizer, Stage stage = Stage.All, CancellationToken cancellationToken = default)
    {
        var watch = Stopwatch.StartNew();
        var shapes = Plan(synthesizer).Where(s => stage == Stage.All || s.Ready == (stage == Stage.Ready)).ToList();
        var step = shapes.Any(s => s.Graph == SlotDecoderGraph.TalkerName)
            ? synthesizer.Acceleration.EnsureTalkerStep(synthesizer.Sessions)
              ?? throw new InvalidOperationException("Static shapes need the talker built from the checkpoint, which is " + synthesizer.Acceleration.TalkerStatus)
            : null;
        var lanes = synthesizer.Batching?.Steps;
        foreach (var shape in shapes)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RunOnce(shape.Graph switch
            {
                SlotDecoderGraph.TalkerName => step!,
                SlotDecoderGraph.PredictorName => synthesizer.Acceleration.Predictor!.Session,
                BatchedDecodeSteps.TalkerName => lanes!.Talker,
                BatchedDecodeSteps.PredictorName => lanes!.Predictor,
                _ when shape.Graph.StartsWith(PredictorHeads.NamePrefix, StringComparison.Ordinal) =>
                    lanes!.Heads.Session(int.Parse(shape.Graph[PredictorHeads.NamePrefix.Length..], System.Globalization.CultureInfo.InvariantCulture)),
                _ => synthesizer.Sessions[shape.Graph],
            }, shape.Inputs);
        }

        return new Result(shapes.Count, watch.Elapsed, stage);
    }

    /// <summary>Every shape the card will run at static shapes, the ready set first, each stage smallest first.</summary>
    public static IReadOnlyList<Shape> Plan(SpeechSynthesizer synthesizer)
    {
        var options = synthesizer.StaticShapes ?? throw new InvalidOperationException("Static shapes are off on this card.");
        var sessions = synthesizer.Sessions;
        var talker = sessions.Manifest.Talker;
        var codec = sessions.Manifest.Codec;
        var notRun = synthesizer.ExportGraphsNotRun(); // run in the engine's own form (shape-free host lookups, the cached predictor): nothing to compile
        var shapes = new List<Shape>();
        void Graph(string graph, Dictionary<string, long[]> inputs)
        {
            if (!notRun.Contains(graph))
            {
                shapes.Add(new Shape(graph, inputs, Ready: true));
            }
        }

        foreach (var length in options.PrefillLengths.Append(1))
        {
            Graph(GraphNames.TextProject, new() { ["input_ids"] = [1, length] });
            Graph(GraphNames.CodecEmbed, new() { ["token_ids"] = [1, length] });
            Graph(GraphNames.CodePredictorEmbed, new() { ["token_id"] = [1, length], ["layer_idx"] = [] });
        }

        // A card batching at static shapes runs every utterance in its lanes: their shapes, not the unbatched steps'.
        var lanes = synthesizer.Batching is { Options.Shapes: not null } batching ? batching : null;
        if (lanes is not null)
        {
            shapes.AddRange(LaneShapes(lanes, options));
        }

        // The slot-cache talker: every prefill length and one row, at every capacity.
        foreach (var capacity in lanes is null ? options.CacheCapacities.Order() : Enumerable.Empty<int>())
        {
            foreach (var rows in options.PrefillLengths.Append(1).Where(rows => rows <= capacity).Order())
            {
                var inputs = new Dictionary<string, long[]> { ["rows"] = [1, rows, talker.Hidden], ["position"] = [1] };
                for (var i = 0; i < talker.Layers; i++)
                {
                    inputs[$"past_key_{i}"] = [1, talker.KvHeads, capacity, talker.HeadDim];
                    inputs[$"past_value_{i}"] = [1, talker.KvHeads, capacity, talker.HeadDim];
                }

                shapes.Add(new Shape(SlotDecoderGraph.TalkerName, inputs, rows <= options.ReadyPrefillLength));
            }
        }

        for (var rows = 2; rows <= codec.Codebooks; rows++)
        {
            Graph(GraphNames.CodePredictor, new() { ["context"] = [1, rows, talker.Hidden], ["gen_step"] = [] });
        }

        if (lanes is null && synthesizer.UseCachedPredictor && synthesizer.Acceleration.Predictor is { } cached)
        {
            // The cached predictor's one shape (one row over its 16 slots; the fused form also takes a frame's first two rows).
            foreach (var rows in cached.TakesTwoRows ? new[] { 1, 2 } : [1])
            {
                shapes.Add(new Shape(SlotDecoderGraph.PredictorName, cached.Session.InputMetadata.ToDictionary(input => input.Key, input => input.Key switch
                {
                    "rows" => new long[] { 1, rows, talker.Hidden },
                    "position" => [1],
                    FusedSlotDecoderGraph.HeadInput => [.. input.Value.Dimensions.Select(d => (long)d)],
                    _ when input.Key.StartsWith("past_", StringComparison.Ordinal) => [.. input.Value.Dimensions.Select(d => (long)d)],
                    _ => [],
                }), Ready: true));
            }
        }

        foreach (var frames in synthesizer.DecodeSizes())
        {
            Graph(GraphNames.CodecDecodeChunk, new() { ["audio_codes"] = [1, frames, codec.Codebooks], ["context_frames"] = [] });
        }

        return [.. shapes.Where(s => s.Ready), .. shapes.Where(s => !s.Ready)];
    }

    /// <summary>
    /// A static-shape lane's shapes: the batched talker's step (all the lane's rows, one each) and a prompt's prefill (one
    /// utterance, every prefill length) at every cache capacity; the batched predictor (all rows, one or a frame's first
    /// two each) and its 15 heads.
    /// </summary>
    private static IEnumerable<Shape> LaneShapes(Batching.DecodeLanes lanes, StaticShapeOptions options)
    {
        var manifest = lanes.Steps.Manifest;
        var (talker, predictor) = (manifest.Talker, manifest.CodePredictor!);
        var rows = lanes.Options.Rows;
        Dictionary<string, long[]> Inputs(int batch, int rowsEach, string position, int layers, long kvHeads, int slots, long headDim)
        {
            var inputs = new Dictionary<string, long[]> { ["rows"] = [batch, rowsEach, talker.Hidden], [position] = [position == "position" ? 1 : batch] };
            for (var i = 0; i < layers; i++)
            {
                inputs[$"past_key_{i}"] = [batch, kvHeads, slots, headDim];
                inputs[$"past_value_{i}"] = [batch, kvHeads, slots, headDim];
            }

            return inputs;
        }

        foreach (var capacity in options.CacheCapacities.Order())
        {
            yield return new Shape(BatchedDecodeSteps.TalkerName,
                Inputs(rows, 1, FusedSlotDecoderGraph.PositionsInput, talker.Layers, talker.KvHeads, capacity, talker.HeadDim), Ready: true);
            foreach (var length in options.PrefillLengths.Where(length => length <= capacity).Order())
            {
                yield return new Shape(BatchedDecodeSteps.TalkerName,
                    Inputs(1, length, FusedSlotDecoderGraph.PositionsInput, talker.Layers, talker.KvHeads, capacity, talker.HeadDim), length <= options.ReadyPrefillLength);
            }
        }

        foreach (var rowsEach in new[] { 1, 2 })
        {
            yield return new Shape(BatchedDecodeSteps.PredictorName,
                Inputs(rows, rowsEach, "position", predictor.Layers, predictor.KvHeads, SlotDecoderGraph.PredictorSlots, predictor.HeadDim), Ready: true);
        }

        for (var j = 0; j < lanes.Steps.Heads.Count; j++)
        {
            yield return new Shape(PredictorHeads.NamePrefix + j, new() { [PredictorHeads.InputName] = [rows, 1, lanes.Steps.Heads.Hidden] }, Ready: true);
        }
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
