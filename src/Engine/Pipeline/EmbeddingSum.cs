namespace QwenTts.Engine.Pipeline;

/// <summary>
/// Adds embedding rows. When the talker takes fp16, every sum is rounded to fp16 after each add, as the reference
/// runtime does (its greedy codes then equal Python ORT's); in fp32 it is a plain add.
/// </summary>
public static class EmbeddingSum
{
    public static void Add(Span<float> target, ReadOnlySpan<float> source, bool roundToHalf)
    {
        if (!roundToHalf)
        {
            for (var i = 0; i < target.Length; i++)
            {
                target[i] += source[i];
            }

            return;
        }

        for (var i = 0; i < target.Length; i++)
        {
            target[i] = (float)(Half)(target[i] + source[i]);
        }
    }
}
