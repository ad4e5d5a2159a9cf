using System.Text.Json.Serialization;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// Where one spoken segment lies: its text and its range in the caller's input (UTF-16 offsets, end exclusive; null where
/// the spoken text is not a run of the input: SSML, lexicons), and its audio's start and end in seconds from the start of the audio the caller receives (after speed). Sentence level only:
/// the model gives no word alignment.
/// </summary>
public sealed record SegmentTimestamp(
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("text_start")] int? TextStart,
    [property: JsonPropertyName("text_end")] int? TextEnd,
    [property: JsonPropertyName("audio_start")] double AudioStart,
    [property: JsonPropertyName("audio_end")] double AudioEnd)
{
    /// <summary>Seconds are given to the millisecond.</summary>
    public static double Seconds(long samples, int sampleRate) => Math.Round(samples / (double)sampleRate, 3);
}
