namespace QwenTts.Grains.Interfaces.Synthesis;

/// <summary>
/// How one segment of a request is spoken when it differs from segment to segment (SSML): its speed, its language,
/// the silence before it (null: the usual pause between segments; a &lt;break&gt; sets it, 0 included), its pitch in
/// semitones and its volume (a gain; null leaves the loudness).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SegmentStyle(
    [property: Id(0)] double Speed,
    [property: Id(1)] string Language,
    [property: Id(2)] int? PauseBeforeMilliseconds,
    [property: Id(3)] double Pitch = 0,
    [property: Id(4)] double? Volume = null)
{
    /// <summary>Samples of silence before segment <paramref name="index"/>: its break, else the usual pause (none before the first).</summary>
    public static int PauseBefore(IReadOnlyList<SegmentStyle>? styles, int index, int usualMilliseconds, int sampleRate) =>
        (styles?[index].PauseBeforeMilliseconds ?? (index == 0 ? 0 : usualMilliseconds)) * sampleRate / 1000;
}
