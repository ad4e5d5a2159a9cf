using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;

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

    public double AudioSeconds(int sampleRate) => Samples / (double)sampleRate;
}

/// <summary>
/// Synthesises a plan's segments with the same voice and seed, several at once on different cards when the input is
/// long (see <see cref="OrderedSegmentRunner"/>), and streams their audio strictly in text order with a short pause
/// between segments (an SSML break's silence where the plan has one). With a speed other than 1 each segment is
/// time-stretched as a whole before it is sent; SSML gives each segment its own speed and language.
/// </summary>
public sealed class SpeechStreamer(OrderedSegmentRunner runner, IOptions<SpeechLimits> limits)
{
    public const int SampleRate = 24000;

    public async IAsyncEnumerable<float[]> RunAsync(SpeechPlan plan, SpeechProgress progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var usualPause = limits.Value.SegmentPauseMilliseconds;
        var stretchBuffer = new List<float>();
        var current = -1;
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
            }

            var speed = SpeedOf(plan, index);
            var stretch = Math.Abs(speed - 1) > 1e-3;
            if (e.Kind == SynthesisEventKind.Audio && e.Samples is { Length: > 0 } samples)
            {
                if (stretch)
                {
                    stretchBuffer.AddRange(samples);
                    continue;
                }

                progress.Samples += samples.Length;
                yield return samples;
            }
            else if (e.Kind == SynthesisEventKind.Completed && e.Summary is { } summary)
            {
                progress.Devices.Add(summary.Device);
                progress.VoicePrompts.Add(summary.VoicePrompt);
                progress.Frames += summary.Frames;
                progress.SegmentsDone++;
                if (stretch)
                {
                    var stretched = TimeStretch.Apply(stretchBuffer.ToArray(), speed, SampleRate);
                    stretchBuffer.Clear();
                    progress.Samples += stretched.Length;
                    yield return stretched;
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

    private static double SpeedOf(SpeechPlan plan, int index) => plan.Styles?[index].Speed ?? plan.Speed;

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
