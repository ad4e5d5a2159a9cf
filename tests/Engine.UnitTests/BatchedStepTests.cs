using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Diagnostics;

namespace QwenTts.Engine.UnitTests;

/// <summary>The decode steps with a batch axis, built from the checkpoint: a row's logits never depend on its neighbours.</summary>
[Collection(MiniatureCollection.Name)]
public sealed class BatchedStepTests(MiniatureFixture miniature)
{
    [Fact]
    public void Every_row_of_a_batched_step_is_bit_equal_to_the_same_utterance_alone()
    {
        var card = miniature.Synthesizer;
        using var steps = BatchedDecodeSteps.Build(card.Sessions);
        var result = BatchInvariance.Check(steps, batch: 5, card.Acceleration.EngineTalker(card.Sessions), card.Acceleration.Predictor);

        Assert.True(result.Holds, result.Line(5));
        Assert.Equal(1, result.TalkerMinRows); // the talker's weights are prepacked constants: one row is as good as five
        Assert.Contains("equal to the card's unbatched step", result.Talker, StringComparison.Ordinal);
        Assert.Equal(1, result.PredictorMinRows); // its head is bound per gen_step; the graph keeps a lone row on the many-row kernel
    }

    [Fact]
    public void A_batched_talker_step_writes_each_rows_keys_and_values_into_its_own_row_at_its_own_position()
    {
        var card = miniature.Synthesizer;
        var t = card.Manifest.Talker;
        using var steps = BatchedDecodeSteps.Build(card.Sessions);
        var caches = SlotStepRunner.Caches.Zeros(t.Layers, 3, t.KvHeads, 16, t.HeadDim);
        var rows = Enumerable.Range(0, 3 * t.Hidden).Select(i => (float)Math.Sin(i)).ToArray();
        var (logits, hidden) = (new float[3 * t.CodecVocab], new float[3 * t.Hidden]);

        SlotStepRunner.Run(steps.Talker, caches, 0, 3, rows, 1, t.Hidden, [0, 4, 9], perRow: true, null, logits, t.CodecVocab, hidden, t.Hidden);

        long[] positions = [0, 4, 9];
        for (var row = 0; row < 3; row++)
        {
            for (var slot = 0; slot < 16; slot++)
            {
                var written = Enumerable.Range(0, t.KvHeads).Any(h =>
                    caches.Keys[0].AsSpan((row * caches.RowElements) + (((h * 16) + slot) * t.HeadDim), t.HeadDim).ToArray().Any(v => v != 0));
                Assert.Equal(slot == positions[row], written);
            }
        }

        Assert.All(logits, v => Assert.True(float.IsFinite(v)));
    }
}
