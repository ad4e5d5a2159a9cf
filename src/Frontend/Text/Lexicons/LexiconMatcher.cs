namespace QwenTts.Frontend.Text.Lexicons;

/// <summary>
/// Replaces a tenant's graphemes by their aliases before the text is tokenised: the longest grapheme that matches at a
/// place wins; a grapheme that begins or ends with a letter or digit of an alphabetic script (Latin, Cyrillic ...) matches
/// whole words only there ("AI" not inside "PAID"), while Chinese, Japanese and Korean characters match anywhere (no
/// spaces between words). Matching is ordinal (case-sensitive). Replaced text is not matched again.
/// </summary>
public sealed class LexiconMatcher
{
    /// <summary>Entries by their first character, longest first: a place in the text is tried against its own character's few.</summary>
    private readonly Dictionary<char, (string Grapheme, string Alias)[]> byFirst;

    /// <summary>Entries in priority order: for a grapheme given twice (two lexicons), the first one wins.</summary>
    public LexiconMatcher(IEnumerable<(string Grapheme, string Alias)> entries)
    {
        byFirst = entries.Where(e => e.Grapheme.Length > 0)
            .DistinctBy(e => e.Grapheme, StringComparer.Ordinal)
            .GroupBy(e => e.Grapheme[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(e => e.Grapheme.Length).ToArray());
    }

    public bool IsEmpty => byFirst.Count == 0;

    public string Apply(string text)
    {
        if (byFirst.Count == 0)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var at = i;
            var candidates = byFirst.GetValueOrDefault(text[i]);
            var match = candidates is null ? -1 : Array.FindIndex(candidates, e => MatchesAt(text, at, e.Grapheme));
            if (match < 0)
            {
                builder.Append(text[i]);
                i++;
                continue;
            }

            builder.Append(candidates![match].Alias);
            i += candidates[match].Grapheme.Length;
        }

        return builder.ToString();
    }

    private static bool MatchesAt(string text, int at, string grapheme)
    {
        if (string.CompareOrdinal(text, at, grapheme, 0, grapheme.Length) != 0 || at + grapheme.Length > text.Length)
        {
            return false;
        }

        var end = at + grapheme.Length;
        return (!IsWordCharacter(grapheme[0]) || at == 0 || !IsWordCharacter(text[at - 1]))
               && (!IsWordCharacter(grapheme[^1]) || end == text.Length || !IsWordCharacter(text[end]));
    }

    /// <summary>A letter or digit of a script written with spaces between words.</summary>
    public static bool IsWordCharacter(char c) => char.IsLetterOrDigit(c) && !IsCjk(c);

    public static bool IsCjk(char c) => c is >= '\u3040' and <= '\u30FF' or >= '\u3400' and <= '\u4DBF' or >= '\u4E00' and <= '\u9FFF'
        or >= '\uAC00' and <= '\uD7AF' or >= '\uF900' and <= '\uFAFF' or >= '\u3100' and <= '\u312F';
}
