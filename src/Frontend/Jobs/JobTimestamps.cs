using QwenTts.Frontend.Speech;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// A finished job's segment timestamps, from what its grain keeps anyway: each segment's text range (in the spec) and
/// sample count (in its finished record), laid out in text order with the pause between segments, as the file was assembled.
/// </summary>
public static class JobTimestamps
{
    public static IReadOnlyList<SegmentTimestamp> Of(AudioJobSpec spec, IReadOnlyList<AudioJobSegment> segments, int usualPauseMilliseconds)
    {
        var stamps = new List<SegmentTimestamp>(segments.Count);
        long at = JobAudioFiles.LeadIn(spec).Length; // the tenant's AI-content notice comes first
        foreach (var segment in segments)
        {
            at += SegmentStyle.PauseBefore(spec.Styles, segment.Index, usualPauseMilliseconds, SpeechStreamer.SampleRate);
            var (start, end) = spec.TextSpans is { } spans && spans.Length >= 2 * (segment.Index + 1)
                ? (spans[2 * segment.Index], spans[(2 * segment.Index) + 1])
                : ((int?)null, (int?)null); // SSML, lexicons, or a job stored before text ranges were kept
            stamps.Add(new SegmentTimestamp(spec.Segments[segment.Index], start, end, SegmentTimestamp.Seconds(at, SpeechStreamer.SampleRate),
                SegmentTimestamp.Seconds(at + segment.Samples, SpeechStreamer.SampleRate)));
            at += segment.Samples;
        }

        return stamps;
    }
}
