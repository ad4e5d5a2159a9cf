using System.Globalization;
using System.Text;

namespace QwenTts.Frontend.Speech;

/// <summary>Segment timestamps as a WebVTT file (W3C WebVTT): one numbered cue per segment, its text escaped.</summary>
public static class WebVtt
{
    public const string ContentType = "text/vtt";

    public static string Write(IEnumerable<SegmentTimestamp> stamps)
    {
        var vtt = new StringBuilder("WEBVTT\n");
        var cue = 0;
        foreach (var stamp in stamps)
        {
            vtt.Append('\n').Append(++cue).Append('\n')
                .Append(Time(stamp.AudioStart)).Append(" --> ").Append(Time(stamp.AudioEnd)).Append('\n')
                .Append(Escape(stamp.Text)).Append('\n');
        }

        return vtt.ToString();
    }

    /// <summary>HH:MM:SS.mmm (hours may pass 99 as the format allows).</summary>
    public static string Time(double seconds)
    {
        var ms = (long)Math.Round(seconds * 1000);
        return string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000:00}:{ms / 60_000 % 60:00}:{ms / 1000 % 60:00}.{ms % 1000:000}");
    }

    /// <summary>Cue text may not hold a raw &amp; or &lt; (markup), nor "-->", nor a blank line (it ends the cue).</summary>
    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace('\n', ' ').Replace('\r', ' ');
}
