using System.Text;

namespace QwenTts.Frontend.Text.Ssml;

/// <summary>
/// Chinese numerals as they are read aloud: cardinals with 万/亿 groups and the zero rules (1001 一千零一, 10 十,
/// 100010 十万零一十), and digit-by-digit reading (123 一二三). Table-driven; no library covers it.
/// </summary>
public static class ChineseNumerals
{
    private static readonly string[] Digits = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    private static readonly string[] Units = ["", "十", "百", "千"];
    private static readonly string[] Groups = ["", "万", "亿", "万亿"];

    /// <summary>Each digit on its own; <paramref name="zero"/> is 零 for numbers read aloud, 〇 in a year.</summary>
    public static string DigitByDigit(string digits, string zero = "零")
    {
        var builder = new StringBuilder(digits.Length);
        foreach (var c in digits)
        {
            builder.Append(c == '0' ? zero : Digits[c - '0']);
        }

        return builder.ToString();
    }

    /// <summary>A whole number read as a quantity; |n| below 10^16.</summary>
    public static string Cardinal(long n)
    {
        if (n == 0)
        {
            return Digits[0];
        }

        if (n < 0)
        {
            return "负" + Cardinal(-n);
        }

        var groups = new List<int>();
        for (var rest = n; rest > 0; rest /= 10000)
        {
            groups.Add((int)(rest % 10000));
        }

        if (groups.Count > Groups.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "beyond 万亿");
        }

        var builder = new StringBuilder();
        var pendingZero = false;
        for (var g = groups.Count - 1; g >= 0; g--)
        {
            var group = groups[g];
            if (group == 0)
            {
                pendingZero = builder.Length > 0;
                continue;
            }

            // A gap inside the number (a zero group, or a group below 1000 after a higher one) is read as one 零.
            if (builder.Length > 0 && (pendingZero || group < 1000))
            {
                builder.Append(Digits[0]);
            }

            builder.Append(GroupOf(group)).Append(Groups[g]);
            pendingZero = false;
        }

        var text = builder.ToString();
        // A number that starts with 10..19 is read 十, 十一, 十万 ... not 一十.
        return text.StartsWith("一十", StringComparison.Ordinal) ? text[1..] : text;
    }

    /// <summary>1..9999 with its inner zeros: 1001 一千零一, 1010 一千零一十, 110 一百一十.</summary>
    private static string GroupOf(int group)
    {
        var builder = new StringBuilder();
        var zero = false;
        for (var position = 3; position >= 0; position--)
        {
            var digit = group / (int)Math.Pow(10, position) % 10;
            if (digit == 0)
            {
                zero = builder.Length > 0;
                continue;
            }

            if (zero)
            {
                builder.Append(Digits[0]);
                zero = false;
            }

            builder.Append(Digits[digit]).Append(Units[position]);
        }

        return builder.ToString();
    }
}
