using QwenTts.Audio.Effects;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Frontend.Speech;

public static class SegmentControls
{
    /// <summary>A segment's speed, pitch and volume where SSML gives it its own, else the request's.</summary>
    public static SpeechControls ControlsOf(this IReadOnlyList<SegmentStyle>? styles, int index, SpeechControls request) =>
        styles?[index] is { } style ? new(style.Speed, style.Pitch, style.Volume ?? 1.0) : request;
}
