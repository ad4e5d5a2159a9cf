using System.Text.Json;
using Xunit;

namespace QwenTts.TestSupport;

/// <summary>What every surface's segment timestamps must satisfy: text spans that cover the input in order, audio that follows on.</summary>
public static class TimestampAsserts
{
    /// <summary>One frame of the codec: the most a segment's end may differ from where the audio ends.</summary>
    public const double FrameSeconds = 0.08;

    public static void CoverInOrder(string input, IReadOnlyList<JsonElement> stamps, double audioSeconds)
    {
        Assert.NotEmpty(stamps);
        var textEnd = input.Length - input.TrimStart().Length;
        var audioEnd = 0.0;
        foreach (var stamp in stamps)
        {
            var (start, end) = (stamp.GetProperty("text_start").GetInt32(), stamp.GetProperty("text_end").GetInt32());
            var (from, to) = (stamp.GetProperty("audio_start").GetDouble(), stamp.GetProperty("audio_end").GetDouble());
            Assert.True(string.IsNullOrWhiteSpace(input[textEnd..start]), $"text between spans: '{input[textEnd..start]}'");
            Assert.True(end > start, $"empty span {start}..{end}");
            // The segment is the span's text with its spaces and line breaks collapsed.
            Assert.Equal(stamp.GetProperty("text").GetString(), string.Join(' ', input[start..end].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)));
            Assert.True(from >= audioEnd && to > from, $"audio {from}..{to} after {audioEnd}");
            (textEnd, audioEnd) = (end, to);
        }

        Assert.True(string.IsNullOrWhiteSpace(input[textEnd..]), $"input left after the last span: '{input[textEnd..]}'");
        Assert.True(Math.Abs(audioEnd - audioSeconds) <= FrameSeconds, $"last segment ends at {audioEnd} s, the audio at {audioSeconds} s");
    }

    /// <summary>WebVTT checked by hand (header, numbered cues, HH:MM:SS.mmm --> HH:MM:SS.mmm), then by ffmpeg converting it to SRT.</summary>
    public static async Task<IReadOnlyList<string>> WebVttCuesAsync(string vtt)
    {
        Assert.StartsWith("WEBVTT\n\n", vtt, StringComparison.Ordinal);
        var cues = vtt["WEBVTT\n\n".Length..].TrimEnd('\n').Split("\n\n");
        foreach (var cue in cues)
        {
            var lines = cue.Split('\n');
            Assert.Equal(3, lines.Length);
            Assert.Matches(@"^\d+$", lines[0]);
            Assert.Matches(@"^\d{2,}:[0-5]\d:[0-5]\d\.\d{3} --> \d{2,}:[0-5]\d:[0-5]\d\.\d{3}$", lines[1]);
            Assert.DoesNotContain("<", lines[2], StringComparison.Ordinal);
            Assert.DoesNotContain("-->", lines[2], StringComparison.Ordinal);
        }

        var (exitCode, output, error) = await FfmpegTools.RunOnFileAsync("ffmpeg", System.Text.Encoding.UTF8.GetBytes(vtt), "vtt", path => ["-v", "error", "-i", path, "-f", "srt", "-"]);
        Assert.True(exitCode == 0, $"ffmpeg could not read the WebVTT (exit {exitCode}): {error}\n{vtt}");
        Assert.Equal(cues.Length, output.Split(" --> ").Length - 1);

        return cues;
    }
}
