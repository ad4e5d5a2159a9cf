namespace QwenTts.Frontend.Text;

/// <summary>
/// Picks one of the model's languages from the script of the text (kana: Japanese, Hangul: Korean, Han: Chinese,
/// Cyrillic: Russian) and, for Latin script, from telltale letters and common words; English when nothing tells.
/// </summary>
public static class LanguageDetector
{
    private static readonly (string Language, string[] Words, string Letters)[] Latin =
    [
        ("german", ["der", "die", "das", "und", "ist", "nicht", "ich", "ein", "eine", "mit", "sie", "auf"], "äöüß"),
        ("french", ["le", "la", "les", "et", "est", "une", "des", "pas", "je", "vous", "nous", "avec"], "çèêëàùœ"),
        ("spanish", ["el", "los", "las", "es", "una", "por", "para", "con", "que", "del", "muy", "está"], "ñ¿¡"),
        ("portuguese", ["os", "as", "não", "uma", "para", "com", "que", "você", "está", "muito", "obrigado"], "ãõ"),
        ("italian", ["il", "gli", "che", "non", "una", "per", "sono", "della", "questo", "molto", "grazie"], "ìò"),
    ];

    public static string Detect(string text)
    {
        int kana = 0, hangul = 0, han = 0, cyrillic = 0, latin = 0;
        foreach (var ch in text)
        {
            switch (ch)
            {
                case >= '\u3040' and <= '\u30FF':
                    kana++;
                    break;
                case >= '\uAC00' and <= '\uD7AF' or >= '\u1100' and <= '\u11FF':
                    hangul++;
                    break;
                case >= '\u4E00' and <= '\u9FFF' or >= '\u3400' and <= '\u4DBF':
                    han++;
                    break;
                case >= '\u0400' and <= '\u04FF':
                    cyrillic++;
                    break;
                default:
                    if (char.IsLetter(ch) && ch < '\u0250')
                    {
                        latin++;
                    }

                    break;
            }
        }

        if (kana > 0 && kana + han >= Math.Max(hangul, Math.Max(cyrillic, latin)))
        {
            return "japanese";
        }

        var best = new[] { (hangul, "korean"), (han, "chinese"), (cyrillic, "russian"), (latin, "latin") }.MaxBy(x => x.Item1);
        if (best.Item1 == 0)
        {
            return "english";
        }

        return best.Item2 == "latin" ? DetectLatin(text) : best.Item2;
    }

    private static string DetectLatin(string text)
    {
        var lower = text.ToLowerInvariant();
        var words = lower.Split([' ', ',', '.', '!', '?', ';', ':', '"', '\'', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
        var best = ("english", 0.0);
        foreach (var (language, common, letters) in Latin)
        {
            var score = words.Count(w => common.Contains(w)) + (2.0 * lower.Count(letters.Contains));
            if (score > best.Item2)
            {
                best = (language, score);
            }
        }

        return best.Item2 >= 2 ? best.Item1 : "english";
    }
}
