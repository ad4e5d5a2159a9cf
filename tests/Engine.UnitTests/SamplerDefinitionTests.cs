using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

/// <summary>
/// The sampler's fast passes (vectors skipped whole, weights computed once) draw exactly what its definition draws:
/// sort for top-k, filter, sort for top-p, weights and their sum in id order. Every seeded voice depends on it.
/// </summary>
public sealed class SamplerDefinitionTests
{
    [Theory]
    [InlineData(2048, 50, 1f, 0.9f)]     // the code predictor's defaults
    [InlineData(3072, 50, 1f, 0.9f)]     // the talker's c0 defaults
    [InlineData(2048, 50, 0.8f, 0.7f)]
    [InlineData(3072, 0, 0.95f, 1.3f)]
    [InlineData(2049, 50, 1f, 0.9f)]     // a tail after the last whole vector
    [InlineData(3071, 7, 0.9f, 0.9f)]
    [InlineData(37, 5, 1f, 1f)]
    [InlineData(5, 2, 0.9f, 0.9f)]       // shorter than one vector: the scalar loops alone
    [InlineData(2048, 2048, 1f, 0.9f)]   // top-k off by size
    public void Every_draw_equals_the_definitions_draw(int vocabulary, int topK, float topP, float temperature)
    {
        var sampler = new TokenSampler();
        var source = new Random(vocabulary + topK);
        for (var trial = 0; trial < 300; trial++)
        {
            var logits = Logits(source, vocabulary, trial);
            var seed = (ulong)source.NextInt64();
            var (fast, plain) = (new Xoshiro256(seed), new Xoshiro256(seed));
            for (var draw = 0; draw < 4; draw++)
            {
                Assert.Equal(Definition(logits, temperature, topK, topP, plain), sampler.Sample(logits, true, temperature, topK, topP, fast));
            }
        }
    }

    [Fact]
    public void Logits_all_forbidden_give_the_arg_max_without_a_draw()
    {
        var logits = Enumerable.Repeat(float.NegativeInfinity, 2048).ToArray();
        var random = new Xoshiro256(3);
        Assert.Equal(0, new TokenSampler().Sample(logits, true, 0.9f, 50, 1f, random));
        Assert.Equal(new Xoshiro256(3).NextUInt64(), random.NextUInt64());
    }

    /// <summary>Logits with what real ones have: ties (coarse values), forbidden tokens (-inf), a suppressed block.</summary>
    private static float[] Logits(Random source, int vocabulary, int trial)
    {
        var coarse = trial % 3 == 0;
        var logits = new float[vocabulary];
        for (var i = 0; i < vocabulary; i++)
        {
            var value = (float)(source.NextDouble() * 8 - 4);
            logits[i] = coarse ? MathF.Round(value * 2) / 2 : value;
        }

        for (var i = 0; i < vocabulary / 50; i++)
        {
            logits[source.Next(vocabulary)] = float.NegativeInfinity;
        }

        if (trial % 2 == 0)
        {
            Array.Fill(logits, float.NegativeInfinity, vocabulary * 2 / 3, vocabulary / 3);
        }

        return logits;
    }

    private static int Definition(float[] logits, float temperature, int topK, float topP, Xoshiro256 random)
    {
        var scores = logits.Select(l => l * (1f / Math.Max(temperature, 1e-5f))).ToArray();
        var threshold = topK > 0 && topK < scores.Length ? scores.OrderDescending().ElementAt(topK - 1) : float.NegativeInfinity;
        var candidates = Enumerable.Range(0, scores.Length).Where(i => scores[i] >= threshold && !float.IsNegativeInfinity(scores[i])).ToList();
        var max = candidates.Max(i => scores[i]);
        if (topP < 1f)
        {
            var best = candidates.OrderByDescending(i => scores[i]).ThenBy(i => i).ToList();
            var sum = best.Aggregate(0.0, (s, i) => s + Math.Exp(scores[i] - max));
            var (kept, cumulative) = (0, 0.0);
            while (kept < best.Count && cumulative < topP)
            {
                cumulative += Math.Exp(scores[best[kept++]] - max) / sum;
            }

            candidates = [.. best.Take(Math.Max(1, kept)).Order()];
        }

        var weights = candidates.Select(i => Math.Exp(scores[i] - max)).ToList();
        var target = random.NextDouble() * weights.Aggregate(0.0, (s, w) => s + w);
        double running = 0;
        for (var i = 0; i < candidates.Count; i++)
        {
            running += weights[i];
            if (target < running)
            {
                return candidates[i];
            }
        }

        return candidates[^1];
    }
}
