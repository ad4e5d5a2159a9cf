using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

/// <summary>The decode loop with crafted logits: stop rule, minimum length, suppression, penalty, embeddings fed back.</summary>
public sealed class FrameGeneratorTests
{
    private const int Hidden = 4;
    private const int Eos = 2150;

    private static readonly ModelManifest Manifest = new()
    {
        Name = "fake",
        Talker = new TalkerShape { Hidden = Hidden, Layers = 1 },
        Graphs = new Dictionary<string, string>(),
    };

    private static readonly SamplingOptions Greedy = new() { DoSample = false, SubtalkerDoSample = false, RepetitionPenalty = 1f };

    [Fact]
    public void Generation_stops_at_eos_and_does_not_emit_the_eos_frame()
    {
        var talker = new ScriptedTalker(step => step == 3 ? Eos : 100 + step);

        var frames = Run(talker, Greedy, limit: 100);

        Assert.Equal([100, 101, 102], frames.Select(f => f[0]));
    }

    [Fact]
    public void Eos_cannot_end_the_utterance_before_two_frames()
    {
        // EOS is the best logit from the start; the runner-up is 7.
        var talker = new ScriptedTalker(_ => Eos, runnerUp: 7);

        var frames = Run(talker, Greedy, limit: 100);

        Assert.Equal([7, 7], frames.Select(f => f[0]));
    }

    [Fact]
    public void Codes_in_the_suppressed_range_are_never_drawn()
    {
        var talker = new ScriptedTalker(step => step < 3 ? 2500 : Eos, runnerUp: 12);

        var frames = Run(talker, Greedy, limit: 100);

        Assert.Equal([12, 12, 12], frames.Select(f => f[0]));
    }

    [Fact]
    public void The_repetition_penalty_moves_the_draw_off_a_repeated_code()
    {
        // Code 5 leads code 6 by a margin the 1.05 penalty overturns once 5 has been drawn; then both are penalised.
        var talker = new ScriptedTalker(_ => 5, runnerUp: 6, best: 10f, second: 9.8f);

        var frames = Run(talker, Greedy with { RepetitionPenalty = 1.05f }, limit: 3);

        Assert.Equal([5, 6, 5], frames.Select(f => f[0]));
    }

    [Fact]
    public void The_cap_ends_an_utterance_that_never_emits_eos()
    {
        var frames = Run(new ScriptedTalker(_ => 3), Greedy, limit: 7);

        Assert.Equal(7, frames.Count);
    }

    [Fact]
    public void Every_frame_has_sixteen_codes_from_the_predictor_and_the_next_input_sums_their_embeddings_and_the_text_term()
    {
        var talker = new ScriptedTalker(step => step == 2 ? Eos : 40 + step);
        var embeddings = new FakeEmbeddings();
        var trailing = new float[] { 1000, 1000, 1000, 1000 }; // one streaming-text row, then tts_pad
        var ttsPad = new float[] { 0.5f, 0.5f, 0.5f, 0.5f };

        var generator = new FrameGenerator(talker, new FakePredictor(), embeddings, Manifest, Greedy, new Xoshiro256(1));
        var frames = generator.Generate(new float[Hidden * 3], 3, trailing, 1, ttsPad, 100, CancellationToken.None).ToList();

        Assert.All(frames, f => Assert.Equal(16, f.Length));
        Assert.Equal(Enumerable.Range(1, 15).Select(j => 10 * j), frames[0][1..]);   // predictor answers 10*(step+1)
        // Input after frame 0: C(40) + Σ cp_emb[j-1](10j) + trailing row 0.
        var expected = FakeEmbeddings.Codec(40) + Enumerable.Range(1, 15).Sum(j => FakeEmbeddings.Predictor(10 * j, j - 1)) + 1000;
        Assert.Equal(expected, talker.DecodeInputs[0][0], precision: 3);
        var expectedSecond = FakeEmbeddings.Codec(41) + Enumerable.Range(1, 15).Sum(j => FakeEmbeddings.Predictor(10 * j, j - 1)) + 0.5f;
        Assert.Equal(expectedSecond, talker.DecodeInputs[1][0], precision: 3);
    }

    [Fact]
    public void The_predictor_context_starts_afresh_each_frame_with_the_talker_hidden_state_and_c0()
    {
        var talker = new ScriptedTalker(step => step == 2 ? Eos : 40 + step);
        var predictor = new FakePredictor();
        var generator = new FrameGenerator(talker, predictor, new FakeEmbeddings(), Manifest, Greedy, new Xoshiro256(1));

        _ = generator.Generate(new float[Hidden], 1, new float[Hidden], 0, new float[Hidden], 100, CancellationToken.None).ToList();

        // Step 0 of frame 1 sees two rows: the talker's hidden state after decode 1 (marked 1) and C(41).
        var call = predictor.Calls[15];
        Assert.Equal((2, 0), (call.Rows, call.Step));
        Assert.Equal(1f, call.FirstValues[0]);
        Assert.Equal(FakeEmbeddings.Codec(41), call.FirstValues[1]);
    }

    [Fact]
    public void Cancellation_stops_the_loop_between_frames()
    {
        using var cancel = new CancellationTokenSource();
        var generator = new FrameGenerator(new ScriptedTalker(_ => 3), new FakePredictor(), new FakeEmbeddings(), Manifest, Greedy, new Xoshiro256(1));
        var frames = 0;

        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var _ in generator.Generate(new float[Hidden], 1, new float[Hidden], 0, new float[Hidden], 100, cancel.Token))
            {
                if (++frames == 2)
                {
                    cancel.Cancel();
                }
            }
        });
        Assert.Equal(2, frames);
    }

    private static List<int[]> Run(ScriptedTalker talker, SamplingOptions sampling, int limit) =>
        new FrameGenerator(talker, new FakePredictor(), new FakeEmbeddings(), Manifest, sampling, new Xoshiro256(1))
            .Generate(new float[Hidden], 1, new float[Hidden], 0, new float[Hidden], limit, CancellationToken.None).ToList();

    /// <summary>Talker whose logits at step n make <paramref name="best"/>(n) the top code; hidden state marks the step.</summary>
    private sealed class ScriptedTalker(Func<int, int> bestCode, int runnerUp = 1, float best = 10f, float second = 5f) : ITalker
    {
        private int _step;

        public List<float[]> DecodeInputs { get; } = [];

        public void Prefill(float[] embeds, int rows, float[] logits, float[] lastHidden) => Fill(logits, lastHidden);

        public void Decode(float[] embed, float[] logits, float[] lastHidden)
        {
            DecodeInputs.Add((float[])embed.Clone());
            _step++;
            Fill(logits, lastHidden);
        }

        private void Fill(float[] logits, float[] lastHidden)
        {
            Array.Fill(logits, 0f);
            logits[bestCode(_step)] = best;
            logits[runnerUp] = second;
            Array.Fill(lastHidden, _step);
        }

        public void Dispose()
        {
        }
    }

    private sealed class FakePredictor : ICodePredictor
    {
        public List<(int Rows, int Step, float[] FirstValues)> Calls { get; } = [];

        public void Logits(float[] context, int rows, int step, float[] logits)
        {
            Calls.Add((rows, step, Enumerable.Range(0, rows).Select(r => context[r * Hidden]).ToArray()));
            Array.Fill(logits, 0f);
            logits[10 * (step + 1)] = 1f;
        }

        public void Dispose()
        {
        }
    }

    private sealed class FakeEmbeddings : IEmbeddings
    {
        public static float Codec(int id) => id / 100f;

        public static float Predictor(int code, int layer) => (code / 1000f) + layer;

        public void Text(IReadOnlyList<int> ids, float[] destination, int offset) => throw new NotSupportedException();

        public void Codec(IReadOnlyList<int> ids, float[] destination, int offset)
        {
            for (var r = 0; r < ids.Count; r++)
            {
                Array.Fill(destination, Codec(ids[r]), offset + (r * Hidden), Hidden);
            }
        }

        public void PredictorCode(int code, int layer, float[] destination, int offset) =>
            Array.Fill(destination, Predictor(code, layer), offset, Hidden);

        public void PredictorCodes(IReadOnlyList<int> codes, int layer, float[] destination, int offset)
        {
            for (var r = 0; r < codes.Count; r++)
            {
                PredictorCode(codes[r], layer, destination, offset + (r * Hidden));
            }
        }

        public void Dispose()
        {
        }
    }
}
