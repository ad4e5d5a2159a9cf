using System.Globalization;

namespace QwenTts.Frontend.Text.Ssml;

/// <summary>
/// The numbers behind &lt;break&gt; and &lt;prosody rate&gt;. Strengths and rate words take Azure's documented values,
/// so a document written for Azure sounds alike here.
/// </summary>
public static class SsmlProsody
{
    /// <summary>The longest single break (10 s); longer silences are several breaks or separate requests.</summary>
    public const int MaxBreakMilliseconds = 10_000;

    /// <summary>A &lt;break&gt; without time or strength.</summary>
    public const int DefaultBreakMilliseconds = 750;

    public static readonly IReadOnlyDictionary<string, int> Strengths = new Dictionary<string, int>
    {
        ["none"] = 0, ["x-weak"] = 250, ["weak"] = 500, ["medium"] = 750, ["strong"] = 1000, ["x-strong"] = 1250,
    };

    public static readonly IReadOnlyDictionary<string, double> RateWords = new Dictionary<string, double>
    {
        ["x-slow"] = 0.5, ["slow"] = 0.64, ["medium"] = 1.0, ["default"] = 1.0, ["fast"] = 1.55, ["x-fast"] = 2.0,
    };

    /// <summary>"500ms", "2s", "1.5s" to milliseconds; null when it is none of them or beyond the limit.</summary>
    public static int? BreakTime(string time)
    {
        var value = time.Trim();
        var (number, scale) = value.EndsWith("ms", StringComparison.OrdinalIgnoreCase) ? (value[..^2], 1.0)
            : value.EndsWith('s') || value.EndsWith('S') ? (value[..^1], 1000.0)
            : (null, 0);
        return number is not null && double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
                                  && amount * scale <= MaxBreakMilliseconds
            ? (int)Math.Round(amount * scale)
            : null;
    }

    /// <summary>
    /// A rate as a multiple of the speed around it: a word (x-slow .. x-fast), an absolute percent ("150%"), a relative
    /// percent ("+20%", "-20%") or a plain multiple ("1.5", unsigned); null when it is none of them or not positive.
    /// </summary>
    public static double? Rate(string rate)
    {
        var value = rate.Trim().ToLowerInvariant();
        if (RateWords.TryGetValue(value, out var word))
        {
            return word;
        }

        var relative = value.StartsWith('+') || value.StartsWith('-');
        var percent = value.EndsWith('%');
        var number = percent ? value[..^1] : value;
        if (!double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return null;
        }

        if (relative && !percent)
        {
            return null;
        }

        var multiple = percent ? (relative ? 1 + amount / 100 : amount / 100) : amount;
        return multiple > 0 && double.IsFinite(multiple) ? multiple : null;
    }
}
