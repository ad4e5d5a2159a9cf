using System.Text;

namespace QwenTts.Frontend.Text;

/// <summary>
/// Collects text as it arrives in pieces of any size (single LLM tokens, half words) and gives back each sentence once
/// it is complete: at 。！？；… at once (with any closing marks already there), at . ! ? once the next character shows it ends a sentence (a space; so 3.14 and
/// a half-sent word are left alone). Text longer than <paramref name="maxPending"/> with no end yet is cut at its last
/// clause mark or space, so an unpunctuated stream still starts speaking.
/// </summary>
public sealed class IncrementalSentenceSplitter(int maxPending)
{
    private readonly StringBuilder _pending = new();

    public bool HasPending => _pending.ToString().Trim().Length > 0;

    public IReadOnlyList<string> Add(string text)
    {
        _pending.Append(text);
        var sentences = new List<string>();
        while (NextCut() is { } cut)
        {
            sentences.Add(_pending.ToString(0, cut));
            _pending.Remove(0, cut);
        }

        return sentences;
    }

    /// <summary>Whatever is left (input ended, or the text stalled): spoken as it is.</summary>
    public string Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        return rest;
    }

    private int? NextCut()
    {
        var text = _pending.ToString();
        for (var i = 0; i < text.Length; i++)
        {
            var cjk = Array.IndexOf(Punctuation.CjkSentenceEnds, text[i]) >= 0;
            if (!cjk && Array.IndexOf(Punctuation.WesternSentenceEnds, text[i]) < 0)
            {
                continue;
            }

            var end = i + 1;
            while (end < text.Length && (Punctuation.IsSentenceEnd(text[end]) || Punctuation.IsCloser(text[end])))
            {
                end++;
            }

            if (cjk)
            {
                return end;
            }

            if (end < text.Length && char.IsWhiteSpace(text[end]))
            {
                return end;
            }

            // At the end of what arrived so far, the sentence may go on ("3." of "3.14", "..." then more): wait.
            if (end >= text.Length)
            {
                break;
            }

            i = end - 1;
        }

        if (text.Length <= maxPending)
        {
            return null;
        }

        var window = text[..maxPending];
        var clause = window.LastIndexOfAny(Punctuation.ClauseMarks);
        if (clause >= maxPending / 3)
        {
            return clause + 1;
        }

        var space = window.LastIndexOf(' ');
        return space >= maxPending / 3 ? space + 1 : ChineseWordBreaks.LastBoundaryAtOrBefore(window, maxPending);
    }
}
