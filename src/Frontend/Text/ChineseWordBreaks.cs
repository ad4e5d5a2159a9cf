using JiebaNet.Segmenter;

namespace QwenTts.Frontend.Text;

/// <summary>Word boundaries in Chinese text from jieba (dictionary plus HMM for unknown words), so a cut never splits a word.</summary>
public static class ChineseWordBreaks
{
    private static readonly Lock Gate = new();
    private static readonly Lazy<JiebaSegmenter> Segmenter = new(() =>
    {
        ConfigManager.ConfigFileBaseDir = Path.Combine(AppContext.BaseDirectory, "Resources", "jieba");
        return new JiebaSegmenter();
    });

    /// <summary>Offsets (1..length) where a word ends.</summary>
    public static IReadOnlyList<int> Boundaries(string text)
    {
        List<string> words;
        lock (Gate)
        {
            words = Segmenter.Value.Cut(text, cutAll: false, hmm: true).ToList();
        }

        var boundaries = new List<int>(words.Count);
        var offset = 0;
        foreach (var word in words)
        {
            offset += word.Length;
            boundaries.Add(offset);
        }

        // jieba gives back every character; if it ever did not, fall back to character boundaries rather than misplace a cut.
        return offset == text.Length ? boundaries : Enumerable.Range(1, text.Length).ToList();
    }

    /// <summary>The last word end at or before <paramref name="limit"/> (past the first word), else <paramref name="limit"/>.</summary>
    public static int LastBoundaryAtOrBefore(string text, int limit)
    {
        var best = Boundaries(text).LastOrDefault(b => b <= limit);
        return best > 0 ? best : Math.Min(limit, text.Length);
    }
}
