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
    public void Utterances_with_a_fixed_lead_in_are_estimated_well_at_every_size_where_a_ratio_is_not()
    {
        // Frames = 15 + 2.6 per token, give or take a tenth (a fixed pattern, so the test is the same every time).
        var model = new UtteranceLengthModel(initialFramesPerUnit: 8);
        double[] noise = [1.1, 0.9, 1.05, 0.95, 1.0, 1.08, 0.92];
        var ratios = new List<double>();
        for (var i = 0; i < 90; i++)
        {
            var size = Sizes[i % Sizes.Length];
            var frames = (15 + (2.6 * size)) * noise[i % noise.Length];
            model.Learn(size, frames);
            ratios.Add(frames / size);
        }

        foreach (var size in Sizes)
        {
            var truth = 15 + (2.6 * size);
            Assert.InRange(model.Estimate(size), 0.9 * truth, 1.1 * truth);
        }

        // What one ratio (the mean frames per token) makes of the shortest and the longest text.
        var ratio = ratios.Average();
        Assert.True(ratio * 3 < 0.75 * (15 + (2.6 * 3)), $"a ratio of {ratio:F2} is within a quarter for 3 tokens");
        Assert.True(ratio * 20 > 1.25 * (15 + (2.6 * 20)), $"a ratio of {ratio:F2} is within a quarter for 20 tokens");
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

        var (fixedFrames, perUnit) = model.Line;
        Assert.Equal(0, fixedFrames);
        // The ratio through the origin, the older utterance weighing a little less.
        var d = UtteranceLengthModel.Decay;
        Assert.Equal(((d * 5 * 50) + (20 * 40)) / ((d * 25) + 400), perUnit, precision: 9);
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
