using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Cluster.UnitTests;

public sealed class UtteranceLengthModelTests
{
    /// <summary>The content tokens of the routing benchmark's six texts (see the stopping benchmark).</summary>
    private static readonly int[] Sizes = [3, 5, 10, 12, 18, 20];

    [Fact]
    public void Before_anything_is_learned_the_estimate_is_the_initial_ratio()
    {
        var model = new UtteranceLengthModel(initialFramesPerUnit: 8);

        Assert.Equal(80, model.Estimate(10));
        Assert.Equal(1, model.Estimate(0));
    }

    [Fact]
    public void Utterances_with_a_fixed_lead_in_are_estimated_within_a_tenth_at_every_size()
    {
        // Frames = 15 + 2.6 per token, give or take a tenth (a fixed pattern, so the test is the same every time).
        var model = new UtteranceLengthModel(initialFramesPerUnit: 8);
        double[] noise = [1.1, 0.9, 1.05, 0.95, 1.0, 1.08, 0.92];
        for (var i = 0; i < 90; i++)
        {
            var size = Sizes[i % Sizes.Length];
            var frames = (15 + (2.6 * size)) * noise[i % noise.Length];
            model.Learn(size, frames);
        }

        foreach (var size in Sizes)
        {
            var truth = 15 + (2.6 * size);
            Assert.InRange(model.Estimate(size), 0.9 * truth, 1.1 * truth);
        }

        Assert.InRange(model.Line.FixedFrames, 10, 20);
    }

    [Fact]
    public void Texts_all_of_one_size_give_the_ratio_they_show()
    {
        var model = new UtteranceLengthModel(initialFramesPerUnit: 1);
        for (var i = 0; i < 50; i++)
        {
            model.Learn(10, 40);
        }

        Assert.Equal((0, 4), model.Line);
        Assert.Equal(40, model.Estimate(10), precision: 9);
    }

    [Fact]
    public void A_line_that_shrinks_with_size_is_not_believed()
    {
        var model = new UtteranceLengthModel(initialFramesPerUnit: 1);
        model.Learn(5, 50);
        model.Learn(20, 40);
        model.Learn(5, 50);
        model.Learn(20, 40);

        // The ratio through the origin, older utterances weighing a little less.
        var d = UtteranceLengthModel.Decay;
        var (fixedFrames, perUnit) = model.Line;
        Assert.Equal(0, fixedFrames);
        Assert.Equal(((d * d * d * 5 * 50) + (d * d * 20 * 40) + (d * 5 * 50) + (20 * 40)) / ((d * d * d * 25) + (d * d * 400) + (d * 25) + 400), perUnit, precision: 9);
    }

    [Fact]
    public void Two_utterances_of_different_sizes_are_enough_to_place_a_line()
    {
        var model = new UtteranceLengthModel(initialFramesPerUnit: 1);
        model.Learn(5, 25);
        model.Learn(20, 70);

        var (fixedFrames, perUnit) = model.Line;
        Assert.Equal(10, fixedFrames, precision: 9);
        Assert.Equal(3, perUnit, precision: 9);
    }

    [Fact]
    public void Older_utterances_weigh_less_so_a_changed_model_is_learned_again()
    {
        var model = new UtteranceLengthModel(initialFramesPerUnit: 1);
        for (var i = 0; i < 60; i++)
        {
            model.Learn(Sizes[i % Sizes.Length], 10 + (2 * Sizes[i % Sizes.Length]));
        }

        for (var i = 0; i < 150; i++)
        {
            model.Learn(Sizes[i % Sizes.Length], 20 + (4 * Sizes[i % Sizes.Length]));
        }

        Assert.InRange(model.Estimate(10), 0.95 * 60, 1.05 * 60);
    }
}
