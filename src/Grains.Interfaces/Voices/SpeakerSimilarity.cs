namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>How alike two speakers are: the cosine of their speaker embeddings (x-vectors), from -1 to 1; 1 for the same recording.</summary>
public static class SpeakerSimilarity
{
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0)
        {
            throw new ArgumentException($"speaker embeddings of {a.Length} and {b.Length} values cannot be compared (a different model?)");
        }

        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }
}
