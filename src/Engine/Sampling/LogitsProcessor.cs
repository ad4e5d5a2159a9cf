namespace QwenTts.Engine.Sampling;

/// <summary>
/// The logits processors of Hugging Face generate(), in the order Qwen3-TTS applies them to c0:
/// repetition penalty, min-new-tokens EOS mask, suppression, then temperature / top-k / top-p in <see cref="TokenSampler"/>.
/// </summary>
public static class LogitsProcessor
{
    /// <summary>Each distinct past token: logit / penalty when positive, logit * penalty when negative.</summary>
    public static void ApplyRepetitionPenalty(Span<float> logits, IReadOnlyCollection<int> pastTokens, float penalty)
    {
        if (penalty == 1f || pastTokens.Count == 0)
        {
            return;
        }

        foreach (var token in pastTokens)
        {
            if ((uint)token < (uint)logits.Length)
            {
                var score = logits[token];
                logits[token] = score < 0 ? score * penalty : score / penalty;
            }
        }
    }

    /// <summary>Forbids EOS while fewer than <paramref name="minNewTokens"/> tokens have been generated.</summary>
    public static void MaskEosBeforeMinimum(Span<float> logits, int generated, int minNewTokens, int eosId)
    {
        if (generated < minNewTokens)
        {
            logits[eosId] = float.NegativeInfinity;
        }
    }

    /// <summary>Forbids [from, to) except <paramref name="keep"/> (Qwen3-TTS: 2048..3071 except codec EOS 2150).</summary>
    public static void Suppress(Span<float> logits, int from, int to, int keep)
    {
        for (var i = from; i < Math.Min(to, logits.Length); i++)
        {
            if (i != keep)
            {
                logits[i] = float.NegativeInfinity;
            }
        }
    }
}
