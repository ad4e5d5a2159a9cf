using System.Text;

namespace QwenTts.Frontend.Text;

/// <summary>
/// Splits long input into segments synthesised one after another: at sentence ends (. ! ? and 。！？；…), keeping
/// short sentences together up to a target length, and splitting a sentence that is still too long at commas
/// (, ， 、 ; :) and, as a last resort, at spaces or every <see cref="MaxSegment"/> characters.
/// </summary>
public sealed class SentenceSegmenter(int targetSegment = 160, int maxSegment = 300)
{
    private static readonly char[] SentenceEnds = ['.', '!', '?', '。', '！', '？', '；', '…'];
    private static readonly char[] Commas = [',', '，', '、', ';', ':', '：'];
    private static readonly char[] Closers = ['"', '\'', '”', '’', '」', '』', ')', '）', '»'];

    public int MaxSegment => maxSegment;

    public IReadOnlyList<string> Split(string text)
    {
        var segments = new List<string>();
        var current = new StringBuilder();
        foreach (var sentence in Sentences(text))
        {
            foreach (var piece in sentence.Length <= maxSegment ? [sentence] : SplitLong(sentence))
            {
                if (current.Length > 0 && current.Length + piece.Length > targetSegment)
                {
                    segments.Add(current.ToString().Trim());
                    current.Clear();
                }

                current.Append(piece);
            }
        }

        if (current.ToString().Trim() is { Length: > 0 } last)
        {
            segments.Add(last);
        }

        return segments.Where(s => s.Length > 0).ToList();
    }

    /// <summary>Sentences with their end punctuation and any closing quote; a dot between digits (3.14) is no end.</summary>
    private static IEnumerable<string> Sentences(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (Array.IndexOf(SentenceEnds, text[i]) < 0)
            {
                continue;
            }

            if (text[i] == '.' && i > 0 && i + 1 < text.Length && char.IsDigit(text[i - 1]) && char.IsDigit(text[i + 1]))
            {
                continue;
            }

            var end = i + 1;
            while (end < text.Length && (Array.IndexOf(SentenceEnds, text[end]) >= 0 || Array.IndexOf(Closers, text[end]) >= 0))
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

    private IEnumerable<string> SplitLong(string sentence)
    {
        var pieces = new List<string>();
        var start = 0;
        for (var i = 0; i < sentence.Length; i++)
        {
            if (Array.IndexOf(Commas, sentence[i]) >= 0 && i + 1 - start >= 8)
            {
                pieces.Add(sentence[start..(i + 1)]);
                start = i + 1;
            }
        }

        if (start < sentence.Length)
        {
            pieces.Add(sentence[start..]);
        }

        foreach (var piece in pieces)
        {
            if (piece.Length <= maxSegment)
            {
                yield return piece;
                continue;
            }

            // No usable comma: cut at the last space before the limit, or hard at the limit (CJK has no spaces).
            var rest = piece;
            while (rest.Length > maxSegment)
            {
                var cut = rest.LastIndexOf(' ', maxSegment - 1);
                cut = cut > maxSegment / 2 ? cut + 1 : maxSegment;
                yield return rest[..cut];
                rest = rest[cut..];
            }

            if (rest.Length > 0)
            {
                yield return rest;
            }
        }
    }
}
