using System.Text.Json;
using Xunit;

namespace QwenTts.TestSupport;

/// <summary>
/// Reads a file's container metadata with ffprobe (installed with ffmpeg by deploy/local/setup.sh): an independent
/// reader, so a test of what we write does not trust our own parser.
/// </summary>
public static class Ffprobe
{
    /// <summary>The value of the file's format-level tag <paramref name="key"/> (any case), or null when it has none.</summary>
    public static async Task<string?> TagAsync(byte[] file, string extension, string key)
    {
        var (exitCode, output, error) = await FfmpegTools.RunOnFileAsync("ffprobe", file, extension,
            path => ["-v", "error", "-show_entries", "format_tags:stream_tags", "-of", "json", path]);
        Assert.True(exitCode == 0, $"ffprobe exited {exitCode}: {error}");
        using var json = JsonDocument.Parse(output);
        // Ogg keeps Vorbis comments on the stream; the other containers on the format.
        var tags = new[] { json.RootElement.TryGetProperty("format", out var format) ? format : default }
            .Concat(json.RootElement.TryGetProperty("streams", out var streams) ? streams.EnumerateArray() : [])
            .Where(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("tags", out _))
            .SelectMany(e => e.GetProperty("tags").EnumerateObject());
        return tags.FirstOrDefault(t => string.Equals(t.Name, key, StringComparison.OrdinalIgnoreCase)).Value is { ValueKind: JsonValueKind.String } value
            ? value.GetString()
            : null;
    }
}
