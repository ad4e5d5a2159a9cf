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

    public long Samples { get; set; }

    public int Frames { get; set; }

    public int SegmentsDone { get; set; }

    public double AudioSeconds(int sampleRate) => Samples / (double)sampleRate;
}

/// <summary>
/// Synthesises a plan's segments in order, each routed on its own to the best card, with the same voice and seed,
/// streaming audio as it arrives and a short pause between segments. With a speed other than 1 each segment is
/// time-stretched as a whole before it is sent.
/// </summary>
public sealed class SpeechStreamer(SynthesisDispatcher dispatcher, IOptions<SpeechLimits> limits)
{
    public const int SampleRate = 24000;

    public async IAsyncEnumerable<float[]> RunAsync(SpeechPlan plan, SpeechProgress progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pause = new float[SampleRate * limits.Value.SegmentPauseMilliseconds / 1000];
        for (var index = 0; index < plan.Segments.Count; index++)
        {
            if (index > 0 && pause.Length > 0)
            {
                progress.Samples += pause.Length;
                yield return pause;
            }

            var job = new SynthesisJob
            {
                RequestId = $"{plan.RequestId}-{index}",
                Tenant = plan.Tenant.Id,
                Text = plan.Segments[index],
                Language = plan.Language,
                Voice = plan.Voice,
                Seed = plan.Seed,
            };
            List<float>? stretchBuffer = Math.Abs(plan.Speed - 1) > 1e-3 ? [] : null;
            await foreach (var e in dispatcher.RunAsync(job, cancellationToken))
            {
                if (e.Kind == SynthesisEventKind.Audio && e.Samples is { Length: > 0 } samples)
                {
                    if (stretchBuffer is not null)
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
                    progress.Frames += summary.Frames;
                }
            }

            if (stretchBuffer is not null)
            {
                var stretched = TimeStretch.Apply(stretchBuffer.ToArray(), plan.Speed, SampleRate);
                progress.Samples += stretched.Length;
                yield return stretched;
            }

            progress.SegmentsDone++;
        }
    }
}
