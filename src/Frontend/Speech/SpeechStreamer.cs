using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Audio.Effects;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech;

/// <summary>What a running speech request has produced so far (for usage metering and metrics).</summary>
public sealed class SpeechProgress
{
    public List<string> Devices { get; } = [];

    /// <summary>Per segment, the fingerprint of the stored clone prompt its card spoke from (null: from a description).</summary>
    public List<string?> VoicePrompts { get; } = [];

    public long Samples { get; set; }

    public int Frames { get; set; }

    public int SegmentsDone { get; set; }

    /// <summary>Each finished segment's text range and audio range, in text order, once its audio is all yielded or about to be.</summary>
    public List<SegmentTimestamp> Timestamps { get; } = [];

    /// <summary>Per entry of <see cref="Timestamps"/>, the sample its audio ends at (to send it once that audio is out).</summary>
    public List<long> TimestampEnds { get; } = [];

    /// <summary>Samples promised before the speech but not sent yet (the AI notice waits for the first speech): they count in the timestamps.</summary>
    public long PendingLeadIn { get; set; }

    public double AudioSeconds(int sampleRate) => Samples / (double)sampleRate;
}

/// <summary>
/// Synthesises a plan's segments with the same voice and seed, several at once on different cards when the input is
/// long (see <see cref="OrderedSegmentRunner"/>), and streams their audio strictly in text order with a short pause
/// between segments (an SSML break's silence where the plan has one). speed, pitch and volume are applied as the audio
/// comes (<see cref="SpeechEffects"/>, a fresh one per segment, since SSML gives each segment its own), so a
/// changed voice streams too; only the stretcher's short look-ahead is held back.
/// </summary>
public sealed class SpeechStreamer(OrderedSegmentRunner runner, IOptions<SpeechLimits> limits)
{
    public const int SampleRate = 24000;

    public async IAsyncEnumerable<float[]> RunAsync(SpeechPlan plan, SpeechProgress progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The tenant's explicit AI-content label goes first, but only once the speech has begun: until then a refusal
        // (a full cluster, a failed card) must still be a problem+json answer, not a 200 of beeps that costs characters.
        var notice = plan.Tenant.AiNotice == AiNotices.Morse ? AiNoticeRhythm.Samples(SampleRate) : null;
        progress.PendingLeadIn = notice?.Length ?? 0;
        await foreach (var chunk in SpeechAsync(plan, progress, cancellationToken))
        {
            if (notice is not null)
            {
                progress.Samples += notice.Length;
                progress.PendingLeadIn = 0;
                yield return notice;
                notice = null;
            }

            yield return chunk;
        }
    }

    private async IAsyncEnumerable<float[]> SpeechAsync(SpeechPlan plan, SpeechProgress progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var usualPause = limits.Value.SegmentPauseMilliseconds;
        SpeechEffects? effects = null;
        try
        {
            var current = -1;
            long segmentStart = 0;
            await foreach (var (index, _, e) in runner.RunAsync(Jobs(plan).ToAsyncEnumerable(), cancellationToken))
            {
                if (index != current)
                {
                    current = index;
                    var pause = SegmentStyle.PauseBefore(plan.Styles, index, usualPause, SampleRate);
                    if (pause > 0)
                    {
                        progress.Samples += pause;
                        yield return new float[pause];
                    }

                    segmentStart = progress.Samples + progress.PendingLeadIn;

                    effects?.Dispose();
                    effects = SpeechEffects.For(plan.Styles.ControlsOf(index, plan.Controls), SampleRate);
                }

                if (e.Kind == SynthesisEventKind.Audio && e.Samples is { Length: > 0 } samples)
                {
                    var processed = effects?.Process(samples) ?? samples;
                    if (processed.Length > 0)
                    {
                        progress.Samples += processed.Length;
                        yield return processed;
                    }
                }
                else if (e.Kind == SynthesisEventKind.Completed && e.Summary is { } summary)
                {
                    progress.Devices.Add(summary.Device);
                    progress.VoicePrompts.Add(summary.VoicePrompt);
                    progress.Frames += summary.Frames;
                    progress.SegmentsDone++;
                    var tail = effects?.Flush() ?? [];
                    progress.Samples += tail.Length;
                    Stamp(plan, index, segmentStart, progress);
                    if (tail.Length > 0)
                    {
                        // Each segment ends cleanly: its tail is let out before the pause, and the next starts a fresh stretcher.
                        yield return tail;
                    }
                }
            }

            if (plan.TrailingPauseMilliseconds > 0 && progress.SegmentsDone == plan.Segments.Count)
            {
                var trailing = SampleRate * plan.TrailingPauseMilliseconds / 1000;
                progress.Samples += trailing;
                yield return new float[trailing];
            }
        }
        finally
        {
            effects?.Dispose();
        }
    }

    private static void Stamp(SpeechPlan plan, int index, long start, SpeechProgress progress)
    {
        var span = plan.Spans?[index];
        var end = progress.Samples + progress.PendingLeadIn;
        progress.Timestamps.Add(new SegmentTimestamp(plan.Segments[index], span?.Start, span?.End, SegmentTimestamp.Seconds(start, SampleRate),
            SegmentTimestamp.Seconds(end, SampleRate)));
        progress.TimestampEnds.Add(end);
    }

    private static IEnumerable<SynthesisJob> Jobs(SpeechPlan plan) => plan.Segments.Select((text, index) => new SynthesisJob
    {
        RequestId = $"{plan.RequestId}-{index}",
        Tenant = plan.Tenant.Id,
        Text = text,
        Language = plan.Styles?[index].Language ?? plan.Language,
        Voice = plan.Voice,
        Seed = plan.Seed,
        Sampling = plan.MaxNewTokens is { } max ? new SamplingSpec { MaxNewTokens = max } : null,
    });
}
