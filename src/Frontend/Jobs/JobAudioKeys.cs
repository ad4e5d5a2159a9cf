using System.Globalization;

namespace QwenTts.Frontend.Jobs;

/// <summary>Where a job's audio lives in the audio store.</summary>
public static class JobAudioKeys
{
    public static string Prefix(string jobId) => $"jobs/{jobId}/";

    /// <summary>A finished segment: its samples as 32-bit floats, exactly as the card made them (after any speed change).</summary>
    public static string Segment(string jobId, int index) => $"jobs/{jobId}/segments/{index.ToString("D6", CultureInfo.InvariantCulture)}.f32";

    public static string SegmentsPrefix(string jobId) => $"jobs/{jobId}/segments/";

    public static string Content(string jobId, string format) => $"jobs/{jobId}/audio.{format}";
}
