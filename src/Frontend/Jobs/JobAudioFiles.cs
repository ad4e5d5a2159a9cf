using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Frontend.Robots;
using QwenTts.Frontend.Speech;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Storage.Audio;

namespace QwenTts.Frontend.Jobs;

/// <summary>A job's audio in the store: its segments as they are made, the whole utterance, the finished file, their clean-up.</summary>
public sealed partial class JobAudioFiles(IAudioStore store, AudioLinks links, IOptions<SpeechLimits> speech, ILogger<JobAudioFiles> logger)
{
    /// <summary>Silence before a segment, as the speech endpoint puts it: its SSML break, else the usual pause (none before the first).</summary>
    public float[] PauseBefore(AudioJobSpec spec, int index) =>
        new float[SegmentStyle.PauseBefore(spec.Styles, index, speech.Value.SegmentPauseMilliseconds, SpeechStreamer.SampleRate)];

    /// <summary>What comes before the first segment: the tenant's explicit AI-content label, when it has one.</summary>
    public static float[] LeadIn(AudioJobSpec spec) => spec.AiNotice ? AiNoticeRhythm.Samples(SpeechStreamer.SampleRate) : [];

    /// <summary>An SSML break after the last segment.</summary>
    public static float[] TrailingPause(AudioJobSpec spec) => new float[SpeechStreamer.SampleRate * spec.TrailingPauseMilliseconds / 1000];

    public async Task<float[]> ReadSegmentAsync(string jobId, int index, CancellationToken cancellationToken)
    {
        await using var stream = await store.OpenReadAsync(JobAudioKeys.Segment(jobId, index), cancellationToken)
            ?? throw new InvalidOperationException($"job {jobId}: segment {index} is recorded as finished but its audio is not in the store");
        var bytes = new byte[stream.Length];
        await stream.ReadExactlyAsync(bytes, cancellationToken);
        return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
    }

    /// <summary>What a robot posts: the finished file, and the whole utterance as samples (segments with the pause between) for re-encoding.</summary>
    public RobotAudio ForRobots(AudioJobView job, AudioJobSpec spec) => new(
        job.Id, string.Join(" ", spec.Segments), job.AudioSeconds, spec.Format,
        async ct =>
        {
            await using var file = await store.OpenReadAsync(JobAudioKeys.Content(job.Id, spec.Format), ct)
                ?? throw new InvalidOperationException($"job {job.Id}: its audio is not in the store");
            var bytes = new byte[file.Length];
            await file.ReadExactlyAsync(bytes, ct);
            return bytes;
        },
        ct => ReadAllSamplesAsync(job.Id, spec, ct),
        SpeechStreamer.SampleRate,
        job.ExpiresAt is { } expires ? links.For(job.Id, expires) : null,
        job.ExpiresAt);

    /// <summary>Deletes what is under <paramref name="prefix"/>; a store that fails leaves it to the retention sweep (logged).</summary>
    public async Task TryDeleteAsync(string jobId, string prefix)
    {
        try
        {
            await store.DeletePrefixAsync(prefix, CancellationToken.None);
        }
        catch (AudioStoreUnavailableException ex)
        {
            LogCleanupFailed(jobId, prefix, ex.Message);
        }
    }

    private async Task<float[]> ReadAllSamplesAsync(string jobId, AudioJobSpec spec, CancellationToken cancellationToken)
    {
        var all = new List<float>(LeadIn(spec));
        for (var index = 0; index < spec.Segments.Length; index++)
        {
            all.AddRange(PauseBefore(spec, index));
            all.AddRange(await ReadSegmentAsync(jobId, index, cancellationToken));
        }

        all.AddRange(TrailingPause(spec));
        return [.. all];
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: could not delete {Prefix} from the audio store ({Reason}); left for the retention sweep")]
    private partial void LogCleanupFailed(string job, string prefix, string reason);
}
