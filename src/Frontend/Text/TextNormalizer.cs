using System.Globalization;
using System.Text;

namespace QwenTts.Frontend.Text;

/// <summary>
/// Cleans input text before synthesis: NFC; full-width and other Unicode spaces to a plain space; zero-width and
/// control characters removed (newlines become spaces); runs of spaces collapsed. Scripts are left mixed as written.
/// </summary>
public static class TextNormalizer
{
    public static string Normalize(string text)
    {
        var normalized = text.Normalize(NormalizationForm.FormC);
        var builder = new StringBuilder(normalized.Length);
        var lastWasSpace = true;
        foreach (var rune in normalized.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (rune.Value is '\n' or '\r' or '\t' || category is UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                if (!lastWasSpace)
                {
                    builder.Append(' ');
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

            builder.Append(rune.ToString());
            lastWasSpace = false;
        }

        return builder.ToString().Trim();
    }
}
