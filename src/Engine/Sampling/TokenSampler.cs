namespace QwenTts.Engine.Sampling;

/// <summary>
/// Temperature, top-k (ties with the k-th logit kept, as Hugging Face does), top-p (smallest set reaching p, at
/// least one token), then one draw from the seeded generator; or the arg-max when not sampling.
/// The draw walks the kept tokens in id order, as torch.multinomial does over the vocabulary, not in score order: two
/// graphs that compute the same logits up to rounding (the cached and the export predictor, host and graph lookups)
/// then draw the same token unless the draw falls within the rounding of a boundary (about 1e-6), whereas in score
/// order any two near-equal logits that swap places move a whole token's probability and change the draw.
/// Works on a scratch copy; allocation-free after the first call with a given vocabulary size.
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
        var inverseTemperature = 1f / Math.Max(temperature, 1e-5f);
        for (var i = 0; i < logits.Length; i++)
        {
            scores[i] = logits[i] * inverseTemperature;
        }

        var threshold = topK > 0 && topK < logits.Length ? KthLargest(scores, topK) : float.NegativeInfinity;

        // Candidates: finite scores at or above the top-k threshold.
        var count = 0;
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] >= threshold && !float.IsNegativeInfinity(scores[i]))
            {
                _order[count++] = i;
            }
        }

        if (count == 0)
        {
            return ArgMax(logits);
        }

        var candidates = _order.AsSpan(0, count); // in id order
        var max = float.NegativeInfinity;
        foreach (var id in candidates)
        {
            max = Math.Max(max, scores[id]);
        }

        if (topP < 1f)
        {
            count = KeepNucleus(candidates, scores, max, topP);
            candidates = _order.AsSpan(0, count);
            candidates.Sort(); // back to id order for the draw
        }

        var probabilities = _probabilities.AsSpan(0, count);
        double total = 0;
        for (var i = 0; i < count; i++)
        {
            probabilities[i] = Math.Exp(scores[candidates[i]] - max);
            total += probabilities[i];
        }

        var target = random.NextDouble() * total;
        double running = 0;
        for (var i = 0; i < count; i++)
        {
            running += probabilities[i];
            if (target < running)
            {
                return candidates[i];
            }
        }

        return candidates[count - 1];
    }

    /// <summary>Sorts the candidates best first (ties by id) and returns how many reach top-p, at least one.</summary>
    private int KeepNucleus(Span<int> candidates, ReadOnlySpan<float> scores, float max, float topP)
    {
        SortByScoreDescending(candidates, scores);
        double total = 0;
        foreach (var id in candidates)
        {
            total += Math.Exp(scores[id] - max);
        }

        double cumulative = 0;
        for (var i = 0; i < candidates.Length; i++)
        {
            cumulative += Math.Exp(scores[candidates[i]] - max) / total;
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

        for (var i = k; i < scores.Length; i++)
        {
            if (scores[i] > heap[0])
            {
                heap[0] = scores[i];
                SiftDown(heap, 0);
            }
        }

        return heap[0];
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
