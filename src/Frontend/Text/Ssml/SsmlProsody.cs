using System.Globalization;

namespace QwenTts.Frontend.Text.Ssml;

/// <summary>
/// The numbers behind &lt;break&gt; and &lt;prosody rate|pitch|volume&gt;. Strengths, rate and pitch words take Azure's
/// documented values, so a document written for Azure sounds alike here; volume words are multiples of the request's
/// volume (medium leaves it), since our volume is a gain, not Azure's absolute 0-100.
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

    /// <summary>Azure's pitch words as relative frequency changes (x-low -50 % .. x-high +50 %), in semitones.</summary>
    public static readonly IReadOnlyDictionary<string, double> PitchWords = new Dictionary<string, double>
    {
        ["x-low"] = Semitones(0.5), ["low"] = Semitones(0.75), ["medium"] = 0, ["default"] = 0, ["high"] = Semitones(1.25), ["x-high"] = Semitones(1.5),
    };

    public static readonly IReadOnlyDictionary<string, double> VolumeWords = new Dictionary<string, double>
    {
        ["silent"] = 0, ["x-soft"] = 0.25, ["soft"] = 0.5, ["medium"] = 1.0, ["default"] = 1.0, ["loud"] = 1.5, ["x-loud"] = 2.0,
    };

    /// <summary>A pitch change in semitones: a word, "+2st"/"-3st", or a relative percent "+10%"; null for anything else (Hz included).</summary>
    public static double? Pitch(string pitch)
    {
        var value = pitch.Trim().ToLowerInvariant();
        if (PitchWords.TryGetValue(value, out var word))
        {
            return word;
        }

        if (value.EndsWith("st", StringComparison.Ordinal) && Signed(value[..^2]) is { } semitones)
        {
            return semitones;
        }

        return value.EndsWith('%') && (value.StartsWith('+') || value.StartsWith('-')) && Signed(value[..^1]) is { } percent && percent > -100
            ? Semitones(1 + (percent / 100))
            : null;
    }

    /// <summary>A volume as a multiple: a word, decibels "+6dB"/"-3dB", a percent "50%" or "+20%"; null for anything else.</summary>
    public static double? Volume(string volume)
    {
        var value = volume.Trim().ToLowerInvariant();
        if (VolumeWords.TryGetValue(value, out var word))
        {
            return word;
        }

        if (value.EndsWith("db", StringComparison.Ordinal) && Signed(value[..^2]) is { } decibels)
        {
            return Math.Pow(10, decibels / 20);
        }

        if (!value.EndsWith('%') || Signed(value[..^1]) is not { } percent)
        {
            return null;
        }

        var multiple = value.StartsWith('+') || value.StartsWith('-') ? 1 + (percent / 100) : percent / 100;
        return multiple >= 0 ? multiple : null;
    }

    private static double Semitones(double ratio) => 12 * Math.Log2(ratio);

    private static double? Signed(string number) =>
        double.TryParse(number, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value : null;

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
