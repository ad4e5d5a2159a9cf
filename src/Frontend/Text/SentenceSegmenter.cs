using System.Text;

namespace QwenTts.Frontend.Text;

/// <summary>
/// Splits long input into segments: at sentence ends (. ! ? and 。！？；…), joining short sentences up to a target length.
/// Limits are per language (<see cref="SegmentationOptions"/>), chosen per sentence by its script. A Western sentence
/// still too long is cut at clause marks (, ; :), then at spaces. A Chinese sentence too long is cut at its commas
/// (，、；：), and a comma-less run at word boundaries from jieba, never inside a word.
/// </summary>
public sealed class SentenceSegmenter(SegmentationOptions options)
{
    /// <summary>The same limits for every language.</summary>
    public SentenceSegmenter(int targetSegment = 160, int maxSegment = 300) : this(new SegmentationOptions
    {
        Western = new SegmentLimits { TargetCharacters = targetSegment, MaxCharacters = maxSegment },
        Chinese = new SegmentLimits { TargetCharacters = targetSegment, MaxCharacters = maxSegment },
    })
    {
    }

    public IReadOnlyList<string> Split(string text)
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        var currentTarget = int.MaxValue;
        foreach (var sentence in Sentences(text))
        {
            var limits = IsChinese(sentence) ? options.Chinese : options.Western;
            foreach (var piece in sentence.Length <= limits.MaxCharacters ? [sentence] : SplitLong(sentence, limits.MaxCharacters, IsChinese(sentence)))
            {
                var target = Math.Min(currentTarget, limits.TargetCharacters);
                if (current.Length > 0 && current.Length + piece.Length > target)
                {
                    segments.Add(current.ToString().Trim());
                    current.Clear();
                    currentTarget = int.MaxValue;
                }

                current.Append(piece);
                currentTarget = Math.Min(currentTarget, limits.TargetCharacters);
            }
        }

        if (current.ToString().Trim() is { Length: > 0 } last)
        {
            segments.Add(last);
        }

        return segments.Where(s => s.Length > 0).ToList();
    }

    /// <summary>Most of the letters are Han characters.</summary>
    public static bool IsChinese(string text)
    {
        int han = 0, letters = 0;
        foreach (var c in text)
        {
            if (char.IsLetter(c))
            {
                letters++;
                if (c is >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF')
                {
                    han++;
                }
            }
        }

        return han > 0 && han * 2 >= letters;
    }

    /// <summary>Sentences with their end punctuation and any closing quote; a dot between digits (3.14) is no end.</summary>
    private static IEnumerable<string> Sentences(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (!Punctuation.IsSentenceEnd(text[i]))
            {
                continue;
            }

            if (text[i] == '.' && i > 0 && i + 1 < text.Length && char.IsDigit(text[i - 1]) && char.IsDigit(text[i + 1]))
            {
                continue;
            }

            var end = i + 1;
            while (end < text.Length && (Punctuation.IsSentenceEnd(text[end]) || Punctuation.IsCloser(text[end])))
            {
                end++;
            }

            yield return text[start..end];
            start = end;
            i = end - 1;
        }

        if (start < text.Length)
        {
            yield return text[start..];
        }
    }

    private static IEnumerable<string> SplitLong(string sentence, int maxSegment, bool chinese)
    {
        // Clauses at commas; a Chinese clause may be short (我想，), so only Western text asks for 8 characters first.
        var pieces = new List<string>();
        var start = 0;
        for (var i = 0; i < sentence.Length; i++)
        {
            if (Punctuation.IsClauseMark(sentence[i]) && (chinese || i + 1 - start >= 8))
            {
                pieces.Add(sentence[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < sentence.Length)
        {
            pieces.Add(sentence[start..]);
        }

        var joined = new StringBuilder();
        foreach (var piece in pieces.SelectMany(p => p.Length <= maxSegment ? [p] : CutRun(p, maxSegment, chinese)))
        {
            if (joined.Length > 0 && joined.Length + piece.Length > maxSegment)
            {
                yield return joined.ToString();
                joined.Clear();
            }

            joined.Append(piece);
        }

        if (joined.Length > 0)
        {
            yield return joined.ToString();
        }
    }

    /// <summary>A run with no usable comma: Chinese at the last word end before the limit, Western at the last space.</summary>
    private static IEnumerable<string> CutRun(string run, int maxSegment, bool chinese)
    {
        var rest = run;
        while (rest.Length > maxSegment)
        {
            int cut;
            if (chinese)
            {
                cut = ChineseWordBreaks.LastBoundaryAtOrBefore(rest, maxSegment);
            }
            else
            {
                cut = rest.LastIndexOf(' ', maxSegment - 1);
                cut = cut > maxSegment / 2 ? cut + 1 : maxSegment;
            }

            yield return rest[..cut];
            rest = rest[cut..];
        }

        if (rest.Length > 0)
        {
            yield return rest;
        }
    }
}
