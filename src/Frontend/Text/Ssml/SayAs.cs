using System.Globalization;
using System.Text;
using Humanizer;

namespace QwenTts.Frontend.Text.Ssml;

/// <summary>
/// SSML &lt;say-as interpret-as&gt;: digits, telephone, date, time, cardinal and characters written out as a Chinese or
/// English reader says them (the model reads words better than symbols). English number words come from Humanizer;
/// Chinese from <see cref="ChineseNumerals"/>. Anything it cannot read is a problem naming the value, never a guess.
/// </summary>
public static class SayAs
{
    public static readonly string[] Kinds = ["digits", "telephone", "date", "time", "cardinal", "characters"];

    /// <summary>Date orders of the format attribute; ymd (ISO 2026-12-06) by default.</summary>
    public static readonly string[] DateFormats = ["ymd", "mdy", "dmy"];

    /// <summary>Languages say-as is written out for.</summary>
    public static readonly string[] Languages = ["chinese", "english"];

    private static readonly CultureInfo English = CultureInfo.GetCultureInfo("en-US");

    /// <summary>The words to speak for <paramref name="text"/>, or a problem naming what could not be read.</summary>
    public static (string? Spoken, string? Problem) Read(string interpretAs, string? format, string text, string language)
    {
        var chinese = language == "chinese";
        if (!chinese && language != "english")
        {
            return (null, $"say-as is written out for {string.Join(" and ", Languages)} only; this span's language is {language}.");
        }

        if (format is not null && interpretAs != "date")
        {
            return (null, $"say-as format is taken with interpret-as=\"date\" only ({string.Join(", ", DateFormats)}).");
        }

        var value = text.Trim();
        return interpretAs switch
        {
            "digits" => Digits(value, chinese),
            "telephone" => Telephone(value, chinese),
            "date" => Date(value, format ?? "ymd", chinese),
            "time" => Time(value, chinese),
            "cardinal" => Cardinal(value, chinese),
            "characters" => Characters(value, chinese),
            _ => (null, $"say-as interpret-as \"{interpretAs}\" is not supported; use one of: {string.Join(", ", Kinds)}."),
        };
    }

    private static (string?, string?) Digits(string value, bool chinese) =>
        value.Length > 0 && value.All(char.IsAsciiDigit)
            ? (DigitWords(value, chinese), null)
            : (null, $"say-as digits takes digits only (0-9); got '{value}'.");

    private static string DigitWords(string digits, bool chinese) =>
        chinese ? ChineseNumerals.DigitByDigit(digits) : string.Join(" ", digits.Select(d => (d - '0').ToWords(English)));

    /// <summary>Groups as written (spaces, dashes, dots, parentheses); a longer run in fours from its end (138 0013 8000).</summary>
    private static (string?, string?) Telephone(string value, bool chinese)
    {
        var plus = value.StartsWith('+');
        var body = plus ? value[1..] : value;
        if (body.Length == 0 || body.Any(c => !char.IsAsciiDigit(c) && c is not (' ' or '-' or '.' or '(' or ')')) || !body.Any(char.IsAsciiDigit))
        {
            return (null, $"say-as telephone takes digits with optional +, spaces, dashes, dots and parentheses; got '{value}'.");
        }

        var groups = body.Split([' ', '-', '.', '(', ')'], StringSplitOptions.RemoveEmptyEntries).SelectMany(FoursFromTheEnd);
        var spoken = string.Join(chinese ? "，" : ", ", groups.Select(g => DigitWords(g, chinese)));
        return ((plus ? (chinese ? "加" : "plus ") : "") + spoken, null);
    }

    private static IEnumerable<string> FoursFromTheEnd(string run)
    {
        if (run.Length <= 4)
        {
            return [run];
        }

        var head = run.Length % 4;
        var groups = new List<string>();
        if (head > 0)
        {
            groups.Add(run[..head]);
        }

        for (var i = head; i < run.Length; i += 4)
        {
            groups.Add(run.Substring(i, 4));
        }

        return groups;
    }

    private static (string?, string?) Cardinal(string value, bool chinese)
    {
        var plain = value.Replace(",", "", StringComparison.Ordinal);
        if (!long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) || Math.Abs(n) >= 10_000_000_000_000_000)
        {
            return (null, $"say-as cardinal takes a whole number (e.g. 1234, -1,234) below 10^16; got '{value}'.");
        }

        return (chinese ? ChineseNumerals.Cardinal(n) : n.ToWords(English, false), null);
    }

    private static (string?, string?) Date(string value, string format, bool chinese)
    {
        if (!DateFormats.Contains(format))
        {
            return (null, $"say-as date format \"{format}\" is not supported; use one of: {string.Join(", ", DateFormats)}.");
        }

        var parts = value.Split(['-', '/', '.']);
        if (parts.Length != 3 || parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiDigit)))
        {
            return (null, $"say-as date takes year, month and day separated by - / or . (format {format}); got '{value}'.");
        }

        var (y, m, d) = format switch { "mdy" => (parts[2], parts[0], parts[1]), "dmy" => (parts[2], parts[1], parts[0]), _ => (parts[0], parts[1], parts[2]) };
        if (y.Length != 4 || !DateOnly.TryParseExact($"{y}-{int.Parse(m, CultureInfo.InvariantCulture):00}-{int.Parse(d, CultureInfo.InvariantCulture):00}",
                "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return (null, $"say-as date '{value}' is not a calendar date with a four-digit year (format {format}).");
        }

        return chinese
            ? ($"{ChineseNumerals.DigitByDigit(y, "〇")}年{ChineseNumerals.Cardinal(date.Month)}月{ChineseNumerals.Cardinal(date.Day)}日", null)
            : ($"{date.ToString("MMMM", English)} {date.Day.ToOrdinalWords(English)}, {EnglishYear(date.Year)}", null);
    }

    /// <summary>Years as English speakers say them: 2026 twenty twenty-six, 2005 two thousand five, 1905 nineteen oh five.</summary>
    private static string EnglishYear(int year)
    {
        int high = year / 100, low = year % 100;
        if (year % 1000 < 10 && year >= 2000 || year < 1000)
        {
            return year.ToWords(false, English);
        }

        return low switch
        {
            0 => $"{high.ToWords(English)} hundred",
            < 10 => $"{high.ToWords(English)} oh {low.ToWords(English)}",
            _ => $"{high.ToWords(English)} {low.ToWords(English)}",
        };
    }

    private static (string?, string?) Time(string value, bool chinese)
    {
        var parts = value.Split(':');
        if (parts.Length is < 2 or > 3 || parts.Any(p => p.Length is < 1 or > 2 || !p.All(char.IsAsciiDigit))
            || int.Parse(parts[0], CultureInfo.InvariantCulture) > 23 || parts.Skip(1).Any(p => int.Parse(p, CultureInfo.InvariantCulture) > 59))
        {
            return (null, $"say-as time takes a 24-hour time hh:mm or hh:mm:ss; got '{value}'.");
        }

        var (hour, minute) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
        var second = parts.Length == 3 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
        if (chinese)
        {
            var spoken = new StringBuilder($"{ChineseNumerals.Cardinal(hour)}点");
            spoken.Append(minute == 0 && second == 0 ? "整" : minute < 10 ? $"零{ChineseNumerals.Cardinal(minute)}分" : $"{ChineseNumerals.Cardinal(minute)}分");
            if (second > 0)
            {
                spoken.Append($"{ChineseNumerals.Cardinal(second)}秒");
            }

            return (spoken.ToString(), null);
        }

        var twelve = hour % 12 == 0 ? 12 : hour % 12;
        var words = twelve.ToWords(English) + minute switch { 0 => "", < 10 => $" oh {minute.ToWords(English)}", _ => $" {minute.ToWords(English)}" };
        if (second > 0)
        {
            words += $" and {second.ToWords(English)} second{(second == 1 ? "" : "s")}";
        }

        return ($"{words} {(hour < 12 ? "AM" : "PM")}", null);
    }

    /// <summary>Spelled one by one: letters as capitals, digits as words, other characters as they are.</summary>
    private static (string?, string?) Characters(string value, bool chinese)
    {
        var spelled = value.EnumerateRunes().Where(r => !Rune.IsWhiteSpace(r)).Select(r =>
            r.IsAscii && char.IsAsciiDigit((char)r.Value) ? DigitWords(((char)r.Value).ToString(), chinese)
            : r.IsAscii && char.IsAsciiLetter((char)r.Value) ? char.ToUpperInvariant((char)r.Value).ToString()
            : r.ToString()).ToArray();
        return spelled.Length == 0 ? (null, "say-as characters needs text to spell.") : (string.Join(" ", spelled), null);
    }
}
