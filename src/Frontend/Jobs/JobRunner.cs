using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Options;
using QwenTts.Audio;
using QwenTts.Audio.Effects;
using QwenTts.Frontend.Robots;
using QwenTts.Frontend.Speech;
using QwenTts.Frontend.Usage;
using QwenTts.Grains.Interfaces.Jobs;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Routing;
using QwenTts.Storage.Audio;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Runs one leased job to its end: the segments not yet finished go through the same ordered, multi-card runner as
/// long speech requests (as background work, behind realtime requests on every card); each finished segment is
/// stored, then recorded on the job, so whoever runs the job next starts after it. A lost card or silo, or a full
/// cluster, costs a retry of the remaining segments with a doubling wait. When all are made, the file is encoded
/// once from the stored segments (so it is the same bytes on every read) and the job completes.
/// </summary>
public sealed partial class JobRunner(
    IClusterClient cluster, OrderedSegmentRunner segments, IAudioStore store, JobAudioFiles files, UsageRecorder usage, JobDeliveries deliveries,
    JobMetrics metrics, IOptions<JobOptions> options, IOptions<AiContentLabelOptions> labels, ILogger<JobRunner> logger)
{
    public async Task RunAsync(string jobId, string runner, CancellationToken stopping)
    {
        var grain = cluster.GetGrain<IAudioJobGrain>(jobId);
        using var lease = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var heartbeat = KeepLeaseAsync(grain, runner, lease);
        try
        {
            var spec = await grain.GetSpecAsync() ?? throw new InvalidOperationException($"job {jobId} has no spec");
            var error = await MakeSegmentsAsync(jobId, runner, spec, grain, lease.Token);
            AudioJobContent? content = null;
            if (error is null)
            {
                (content, error) = await AssembleWithRetriesAsync(jobId, spec, lease.Token);
            }

            if (content is null)
            {
                await FinishFailedAsync(jobId, runner, spec, grain, error!);
                return;
            }

            if (!await grain.CompleteWithBroadcastAsync(runner, content, RobotTools.FromSource(spec.Source)))
            {
                // Deleted (or taken over) while the file was being written: leave no audio behind a deleted job.
                if (await grain.GetAsync() is null)
                {
                    await files.TryDeleteAsync(jobId, JobAudioKeys.Prefix(jobId));
                }

                return;
            }

            metrics.Finished("completed");
            var job = (await grain.GetAsync())!;
            usage.Record(CompletedUsage(job, spec.VoiceName));
            LogCompleted(jobId, spec.Segments.Length, content.AudioSeconds, content.Bytes, string.Join(",", job.Devices));
            await deliveries.DeliverAsync(grain, job, runner, stopping);
        }
        catch (OperationCanceledException) when (lease.IsCancellationRequested)
        {
            // Stopping, or the lease went to another frontend (or the job was deleted): the next holder resumes it.
            if (stopping.IsCancellationRequested)
            {
                await ReleaseLeaseAsync(grain, runner);
            }
            else if (await grain.GetAsync() is null)
            {
                await files.TryDeleteAsync(jobId, JobAudioKeys.Prefix(jobId));
            }
        }
        finally
        {
            await lease.CancelAsync();
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Makes every segment not yet finished; null when all are done, else why the job failed.</summary>
    private async Task<string?> MakeSegmentsAsync(string jobId, string runner, AudioJobSpec spec, IAudioJobGrain grain, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var delay = o.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var finished = (await grain.GetFinishedSegmentsAsync()).ToHashSet();
                var pending = Enumerable.Range(0, spec.Segments.Length).Where(i => !finished.Contains(i)).ToArray();
                if (pending.Length == 0)
                {
                    return null;
                }

                LogRunning(jobId, pending.Length, spec.Segments.Length, attempt);
                await RunSegmentsAsync(jobId, runner, spec, pending, grain, cancellationToken);
                return null;
            }
            catch (InvalidSynthesisRequestException ex)
            {
                return ex.Message;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt >= o.MaxAttempts)
                {
                    return $"gave up after {attempt} attempts: {ex.Message}";
                }

                metrics.Retried();
                LogRetrying(jobId, attempt, ex.GetType().Name, ex.Message, delay);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
    }

    private async Task RunSegmentsAsync(string jobId, string runner, AudioJobSpec spec, int[] pending, IAudioJobGrain grain, CancellationToken cancellationToken)
    {
        var jobs = pending.Select(index => new SynthesisJob
        {
            RequestId = $"{jobId}-{index}",
            Tenant = spec.Tenant,
            Text = spec.Segments[index],
            Language = spec.Styles?[index].Language ?? spec.Language,
            Voice = spec.Voice,
            Seed = spec.Seed,
            Background = true,
        });
        var samples = new List<float>();
        SpeechEffects? effects = null;
        try
        {
            // Each segment is a trace of its own, linked to the request that submitted the job (and sampled when it was).
            var link = spec.SubmittedTrace is { } traceParent && ActivityContext.TryParse(traceParent, null, isRemote: true, out var submitted) ? submitted : default;
            var current = -1;
            await foreach (var (position, _, e) in segments.RunAsync(jobs.ToAsyncEnumerable(), cancellationToken, SegmentTrace.Own(link)))
            {
                if (position != current)
                {
                    // A fresh stretcher per segment, with the segment's own controls (SSML), as speech does.
                    current = position;
                    effects?.Dispose();
                    effects = SpeechEffects.For(spec.Styles.ControlsOf(pending[position], new(spec.Speed, spec.Pitch, spec.Volume ?? 1.0)), SpeechStreamer.SampleRate);
                }

                if (e.Kind == SynthesisEventKind.Audio && e.Samples is { Length: > 0 } chunk)
                {
                    samples.AddRange(effects?.Process(chunk) ?? chunk);
                }
                else if (e.Kind == SynthesisEventKind.Completed && e.Summary is { } summary)
                {
                    var index = pending[position];
                    samples.AddRange(effects?.Flush() ?? []);
                    var audio = samples.ToArray();
                    samples.Clear();
                    await using (var bytes = new MemoryStream(MemoryMarshal.AsBytes(audio.AsSpan()).ToArray(), writable: false))
                    {
                        await store.PutAsync(JobAudioKeys.Segment(jobId, index), bytes, cancellationToken);
                    }

                    if (!await grain.SegmentFinishedAsync(runner, new AudioJobSegment(index, summary.Device, summary.Frames, audio.Length), options.Value.LeaseDuration))
                    {
                        throw new OperationCanceledException($"job {jobId}: lease lost");
                    }
                }
            }
        }
        finally
        {
            effects?.Dispose();
        }
    }

    /// <summary>
    /// Encodes and stores the job's file; a store that fails is retried like the segments, with a doubling wait, and
    /// after Jobs:MaxAttempts the job fails with the store's error.
    /// </summary>
    private async Task<(AudioJobContent? Content, string? Error)> AssembleWithRetriesAsync(string jobId, AudioJobSpec spec, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var delay = o.RetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await AssembleAsync(jobId, spec, cancellationToken), null);
            }
            catch (AudioStoreUnavailableException ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (attempt >= o.MaxAttempts)
                {
                    return (null, $"gave up storing the audio after {attempt} attempts: {ex.Message}");
                }

                metrics.Retried();
                LogRetrying(jobId, attempt, ex.GetType().Name, ex.Message, delay);
                await Task.Delay(delay, cancellationToken);
                delay *= 2;
            }
        }
    }

    /// <summary>Encodes the stored segments, in order with the speech endpoint's pause between them, into the job's file.</summary>
    private async Task<AudioJobContent> AssembleAsync(string jobId, AudioJobSpec spec, CancellationToken cancellationToken)
    {
        var outputRate = spec.SampleRate > 0 ? spec.SampleRate : SpeechStreamer.SampleRate; // 0: a job stored before sample_rate
        var label = labels.Value.For(jobId);
        var temporary = Path.Combine(Path.GetTempPath(), $"qwentts-{jobId}-{Guid.NewGuid():N}.{spec.Format}");
        long samples = 0;
        try
        {
            string contentType;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
            {
                using (var encoder = AudioEncoders.Create(spec.Format, SpeechStreamer.SampleRate, outputRate, label))
                {
                    contentType = encoder.ContentType;
                    await file.WriteAsync(encoder.Begin(), cancellationToken);
                    if (JobAudioFiles.LeadIn(spec) is { Length: > 0 } leadIn)
                    {
                        samples += leadIn.Length;
                        await file.WriteAsync(encoder.Encode(leadIn), cancellationToken);
                    }

                    for (var index = 0; index < spec.Segments.Length; index++)
                    {
                        if (files.PauseBefore(spec, index) is { Length: > 0 } pause)
                        {
                            samples += pause.Length;
                            await file.WriteAsync(encoder.Encode(pause), cancellationToken);
                        }

                        var audio = await files.ReadSegmentAsync(jobId, index, cancellationToken);
                        samples += audio.Length;
                        await file.WriteAsync(encoder.Encode(audio), cancellationToken);
                    }

                    if (JobAudioFiles.TrailingPause(spec) is { Length: > 0 } trailing)
                    {
                        samples += trailing.Length;
                        await file.WriteAsync(encoder.Encode(trailing), cancellationToken);
                    }

                    await file.WriteAsync(encoder.End(), cancellationToken);
                }

                if (spec.Format == "wav")
                {
                    // The streaming header leaves the sizes open; a stored file knows them.
                    file.Position = 0;
                    var headerBytes = WavFormat.Header(outputRate, 0, label: label).Length;
                    await file.WriteAsync(WavFormat.Header(outputRate, (file.Length - headerBytes) / 2, label: label), cancellationToken);
                }

                file.Position = 0;
                await store.PutAsync(JobAudioKeys.Content(jobId, spec.Format), file, cancellationToken);
                return new AudioJobContent(file.Length, samples / (double)SpeechStreamer.SampleRate, contentType);
            }
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Records a completed job's usage once more: its runner records it as soon as the grain confirms the completion, but
    /// when that answer (or the read after it) is lost, e.g. the grain's silo was cut off by a partition, the job is
    /// complete and nobody recorded it. The write is idempotent by job id, so a second record changes nothing.
    /// </summary>
    public async Task RecordUsageAgainAsync(IAudioJobGrain grain, AudioJobView job) =>
        usage.Record(CompletedUsage(job, (await grain.GetSpecAsync())?.VoiceName));

    private static UsageRecord CompletedUsage(AudioJobView job, string? voice) => new(job.Id, job.Tenant, "/v1/audio/jobs", job.Characters,
        job.AudioSeconds, string.Join(",", job.Devices), voice, "completed", DateTimeOffset.UtcNow);

    private async Task FinishFailedAsync(string jobId, string runner, AudioJobSpec spec, IAudioJobGrain grain, string error)
    {
        if (!await grain.FailAsync(runner, error))
        {
            return;
        }

        metrics.Finished("failed");
        LogFailed(jobId, error);
        usage.Record(new UsageRecord(jobId, spec.Tenant, "/v1/audio/jobs", 0, 0, "", spec.VoiceName, "failed", DateTimeOffset.UtcNow));
        await files.TryDeleteAsync(jobId, JobAudioKeys.Prefix(jobId));
        if (await grain.GetAsync() is { } job)
        {
            await deliveries.DeliverAsync(grain, job, runner, CancellationToken.None);
        }
    }

    /// <summary>A frontend shutting down lets its lease run out now, so another frontend resumes the job at its next poll.</summary>
    private static async Task ReleaseLeaseAsync(IAudioJobGrain grain, string runner)
    {
        try
        {
            await grain.TryLeaseAsync(runner, TimeSpan.Zero);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The cluster is going too: the lease simply runs out.
        }
    }

    /// <summary>Renews the lease every third of its length; losing it (another frontend took over, the job was deleted) stops the run.</summary>
    private async Task KeepLeaseAsync(IAudioJobGrain grain, string runner, CancellationTokenSource lease)
    {
        var period = options.Value.LeaseDuration / 3;
        var failures = 0;
        while (!lease.IsCancellationRequested)
        {
            await Task.Delay(period, lease.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (lease.IsCancellationRequested)
            {
                return;
            }

            try
            {
                if (!await grain.TryLeaseAsync(runner, options.Value.LeaseDuration))
                {
                    await lease.CancelAsync();
                    return;
                }

                failures = 0;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The job's silo may be going: keep working while the lease may still be ours, stop once it surely is not.
                if (++failures >= 3)
                {
                    await lease.CancelAsync();
                    return;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: making {Pending}/{Total} segments (attempt {Attempt})")]
    private partial void LogRunning(string job, int pending, int total, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {Job}: attempt {Attempt} stopped ({Error}: {Reason}); retrying the remaining segments in {Delay}")]
    private partial void LogRetrying(string job, int attempt, string error, string reason, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {Job}: completed, {Segments} segments, {Seconds:F1} s of audio, {Bytes} bytes, cards {Devices}")]
    private partial void LogCompleted(string job, int segments, double seconds, long bytes, string devices);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {Job} failed: {Reason}")]
    private partial void LogFailed(string job, string reason);
}
