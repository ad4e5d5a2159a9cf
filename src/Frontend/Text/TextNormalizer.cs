using System.Globalization;
using System.Text;

namespace QwenTts.Frontend.Text;

/// <summary>
/// Cleans input text before synthesis: NFC; full-width and other Unicode spaces to a plain space; zero-width and
/// control characters removed (newlines become spaces); runs of spaces collapsed. Scripts are left mixed as written.
/// </summary>
public static class TextNormalizer
{
    public static string Normalize(string text) => NormalizeWithOffsets(text).Text;

    /// <summary>
    /// The normalised text and, for each of its characters, the range of the input it came from (so a segment of the
    /// normalised text can be named by its offsets in what the caller sent). NFC is applied per grapheme cluster, so
    /// every output character belongs to one input cluster.
    /// </summary>
    public static NormalizedText NormalizeWithOffsets(string text)
    {
        var builder = new StringBuilder(text.Length);
        var starts = new List<int>(text.Length);
        var ends = new List<int>(text.Length);
        var lastWasSpace = true;
        var elements = StringInfo.GetTextElementEnumerator(text);
        while (elements.MoveNext())
        {
            var element = (string)elements.Current;
            var (start, end) = (elements.ElementIndex, elements.ElementIndex + element.Length);
            foreach (var rune in element.Normalize(NormalizationForm.FormC).EnumerateRunes())
            {
                var category = Rune.GetUnicodeCategory(rune);
                if (rune.Value is '\n' or '\r' or '\t' || category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
                {
                    if (!lastWasSpace)
                    {
                        Append(" ", start, end);
                        lastWasSpace = true;
                    }

                    continue;
                }

                // Zero-width characters (U+200B..U+200F, U+2060, U+FEFF) are Format; controls are Control.
                if (category is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                    || rune.Value == 0xFFFD)
                {
                    continue;
                }

                Append(rune.ToString(), start, end);
                lastWasSpace = false;
            }
        }

        if (builder.Length > 0 && builder[^1] == ' ')
        {
            builder.Length--;
            starts.RemoveAt(starts.Count - 1);
            ends.RemoveAt(ends.Count - 1);
        }

        return new NormalizedText(builder.ToString(), [.. starts], [.. ends]);

        void Append(string value, int start, int end)
        {
            builder.Append(value);
            for (var i = 0; i < value.Length; i++)
            {
                starts.Add(start);
                ends.Add(end);
            }
        }
    }
}

/// <summary>Normalised text; <see cref="Starts"/>[i]..<see cref="Ends"/>[i] is the input range character i came from.</summary>
public sealed record NormalizedText(string Text, int[] Starts, int[] Ends)
{
    /// <summary>The input range (start, end: UTF-16 offsets, end exclusive) of the normalised range [start, end).</summary>
    public (int Start, int End) InputRange(int start, int end) => (Starts[start], Ends[end - 1]);
}
