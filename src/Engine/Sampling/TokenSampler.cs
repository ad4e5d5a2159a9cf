using System.Numerics;

namespace QwenTts.Engine.Sampling;

/// <summary>
/// Temperature, top-k (ties with the k-th logit kept, as Hugging Face does), top-p (smallest set reaching p, at
/// least one token), then one draw from the seeded generator; or the arg-max when not sampling.
/// The draw walks the kept tokens in id order, as torch.multinomial does over the vocabulary, not in score order: two
/// graphs that compute the same logits up to rounding (the cached and the export predictor, host and graph lookups)
/// then draw the same token unless the draw falls within the rounding of a boundary (about 1e-6), whereas in score
/// order any two near-equal logits that swap places move a whole token's probability and change the draw.
/// Works on a scratch copy; allocation-free after the first call with a given vocabulary size. Each draw runs on the
/// decode loop's thread for every row of a batch, so its passes over the vocabulary skip whole vectors where they can.
/// </summary>
public sealed class TokenSampler
{
    private float[] _scratch = [];
    private int[] _order = [];
    private double[] _probabilities = [];
    private float[] _heap = [];

    /// <summary>
    /// Uses up the draw <see cref="Sample"/> would have made for a token already known (a resumed utterance's frames),
    /// so the tokens after it are drawn as in an uninterrupted run: one number when sampling, none for the arg-max.
    /// </summary>
    public static void SkipDraw(bool doSample, Xoshiro256 random)
    {
        if (doSample)
        {
            random.NextDouble();
        }
    }

    public int Sample(ReadOnlySpan<float> logits, bool doSample, float temperature, int topK, float topP, Xoshiro256 random)
    {
        if (!doSample)
        {
            return ArgMax(logits);
        }

        EnsureCapacity(logits.Length);
        var scores = _scratch.AsSpan(0, logits.Length);
        Scale(logits, 1f / Math.Max(temperature, 1e-5f), scores);
        var threshold = topK > 0 && topK < logits.Length ? KthLargest(scores, topK) : float.NegativeInfinity;
        var count = Candidates(scores, threshold, _order); // finite scores at or above the top-k threshold, in id order
        if (count == 0)
        {
            return ArgMax(logits);
        }

        var candidates = _order.AsSpan(0, count);
        var max = float.NegativeInfinity;
        foreach (var id in candidates)
        {
            max = Math.Max(max, scores[id]);
        }

        var weights = _probabilities.AsSpan(0, count);
        if (topP < 1f)
        {
            count = KeepNucleus(candidates, scores, max, topP, weights);
            candidates = _order.AsSpan(0, count);
            weights = _probabilities.AsSpan(0, count);
            candidates.Sort(weights); // back to id order for the draw, each weight with its token
        }
        else
        {
            for (var i = 0; i < count; i++)
            {
                weights[i] = Math.Exp(scores[candidates[i]] - max);
            }
        }

        double total = 0;
        foreach (var weight in weights)
        {
            total += weight;
        }

        var target = random.NextDouble() * total;
        double running = 0;
        for (var i = 0; i < count; i++)
        {
            running += weights[i];
            if (target < running)
            {
                return candidates[i];
            }
        }

        return candidates[count - 1];
    }

    /// <summary>scores = logits x factor; vector and scalar products are the same IEEE products.</summary>
    private static void Scale(ReadOnlySpan<float> logits, float factor, Span<float> scores)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var factors = new Vector<float>(factor);
            for (; i <= logits.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(logits[i..]) * factors).CopyTo(scores[i..]);
            }
        }

        for (; i < logits.Length; i++)
        {
            scores[i] = logits[i] * factor;
        }
    }

    /// <summary>
    /// The ids of finite scores at or above <paramref name="threshold"/>, in id order. A top-k threshold keeps about k of
    /// thousands, so whole vectors with none are skipped at once.
    /// </summary>
    private static int Candidates(ReadOnlySpan<float> scores, float threshold, int[] order)
    {
        var count = 0;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var thresholds = new Vector<float>(threshold);
            var negativeInfinity = new Vector<float>(float.NegativeInfinity);
            for (; i <= scores.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var block = new Vector<float>(scores[i..]);
                if (Vector.GreaterThanOrEqualAny(block, thresholds) && !Vector.EqualsAll(block, negativeInfinity))
                {
                    count = Keep(scores, i, i + Vector<float>.Count, threshold, order, count);
                }
            }
        }

        return Keep(scores, i, scores.Length, threshold, order, count);
    }

    private static int Keep(ReadOnlySpan<float> scores, int from, int to, float threshold, int[] order, int count)
    {
        for (var i = from; i < to; i++)
        {
            if (scores[i] >= threshold && !float.IsNegativeInfinity(scores[i]))
            {
                order[count++] = i;
            }
        }

        return count;
    }

    /// <summary>
    /// Sorts the candidates best first (ties by id), each with its weight exp(score - max) in <paramref name="weights"/>, and
    /// returns how many reach top-p, at least one.
    /// </summary>
    private int KeepNucleus(Span<int> candidates, ReadOnlySpan<float> scores, float max, float topP, Span<double> weights)
    {
        SortByScoreDescending(candidates, scores);
        double total = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            weights[i] = Math.Exp(scores[candidates[i]] - max);
            total += weights[i];
        }

        double cumulative = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            cumulative += weights[i] / total;
            if (cumulative >= topP)
            {
                return i + 1;
            }
        }

        return candidates.Length;
    }

    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        var best = 0;
        for (var i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }

        return best;
    }

    /// <summary>The k-th largest score, with a min-heap of k entries: O(n log k), no allocation.</summary>
    private float KthLargest(ReadOnlySpan<float> scores, int k)
    {
        var heap = _heap.AsSpan(0, k);
        for (var i = 0; i < k; i++)
        {
            heap[i] = scores[i];
        }

        for (var i = (k / 2) - 1; i >= 0; i--)
        {
            SiftDown(heap, i);
        }

        var next = k;
        if (Vector.IsHardwareAccelerated)
        {
            // Past the first few thousand scores almost none beats the heap's least: skip whole vectors that have none.
            for (; next <= scores.Length - Vector<float>.Count; next += Vector<float>.Count)
            {
                if (Vector.GreaterThanAny(new Vector<float>(scores[next..]), new Vector<float>(heap[0])))
                {
                    Offer(heap, scores, next, next + Vector<float>.Count);
                }
            }
        }

        Offer(heap, scores, next, scores.Length);
        return heap[0];
    }

    private static void Offer(Span<float> heap, ReadOnlySpan<float> scores, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (scores[i] > heap[0])
            {
                heap[0] = scores[i];
                SiftDown(heap, 0);
            }
        }
    }

    private static void SiftDown(Span<float> heap, int index)
    {
        while (true)
        {
            var smallest = index;
            var left = (2 * index) + 1;
            var right = left + 1;
            if (left < heap.Length && heap[left] < heap[smallest])
            {
                smallest = left;
            }

            if (right < heap.Length && heap[right] < heap[smallest])
            {
                smallest = right;
            }

            if (smallest == index)
            {
                return;
            }

            (heap[index], heap[smallest]) = (heap[smallest], heap[index]);
            index = smallest;
        }
    }

    /// <summary>Insertion sort for the usual short top-k list; a general sort when top-k is off.</summary>
    private void SortByScoreDescending(Span<int> candidates, ReadOnlySpan<float> scores)
    {
        if (candidates.Length > 64)
        {
            var local = _scratch;
            candidates.Sort((a, b) => local[b] != local[a] ? local[b].CompareTo(local[a]) : a.CompareTo(b));
            return;
        }

        for (var i = 1; i < candidates.Length; i++)
        {
            var item = candidates[i];
            var j = i - 1;
            while (j >= 0 && (scores[candidates[j]] < scores[item] || (scores[candidates[j]] == scores[item] && candidates[j] > item)))
            {
                candidates[j + 1] = candidates[j];
                j--;
            }

            candidates[j + 1] = item;
        }
    }

    private void EnsureCapacity(int length)
    {
        if (_scratch.Length < length)
        {
            _scratch = new float[length];
            _order = new int[length];
            _probabilities = new double[length];
            _heap = new float[length];
        }
    }
}
