using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.GrainDirectory;
using QwenTts.Devices;
using QwenTts.Devices.Cards;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Devices;

/// <summary>
/// One card. Pinned to its silo; admits work into the card's queue (<see cref="CardQueue"/>: up to MaxConcurrent
/// running, fewer on a batching card when more would fall behind playback, QueueLimit waiting; background jobs behind
/// realtime requests), streams audio back, measures throughput and reports its load to the registry. Reentrant: many
/// streams at once, all state touched on the grain's own scheduler; the model runs on the card engine's threads.
/// Registered in its own directory (<see cref="DeviceDirectory"/>) so that another silo leaving does not deactivate it.
/// </summary>
[Reentrant]
[DevicePlacement]
[GrainDirectory(GrainDirectoryName = DeviceDirectory.Name)]
[CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class DeviceGrain(DeviceHost host, ILocalSiloDetails silo, TimeProvider clock, ILogger<DeviceGrain> logger)
    : Grain, IDeviceGrain
{
    private readonly CardWork _work = new();
    private DeviceId _id;
    private CardEngine _card = null!;
    private CardMeters _meters = null!;
    private IDeviceRegistryGrain _registry = null!;
    private CardQueue _queue = null!;
    private ReportCadence _reports = null!;
    private int _streaming; // utterances that stream audio (clone derivations and probes run silent, so they do not count)
    private StallWatch _stall = null!;
    private CardProbes _probes = null!;

    private int MaxConcurrent => _card.Spec.MaxConcurrent ?? host.Options.MaxConcurrent;

    private int QueueLimit => _card.Spec.QueueLimit ?? host.Options.QueueLimit;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _id = DeviceId.Parse(this.GetPrimaryKeyString());
        if (_id.Silo != silo.Name)
        {
            throw new InvalidOperationException($"Device {_id} activated on silo {silo.Name}: placement must pin it to {_id.Silo}.");
        }

        await host.Loaded.WaitAsync(cancellationToken);
        _card = host.Get(_id.Index);
        _meters = new CardMeters(() => _card.FramesMade, _card.InitialFramesPerSecond, MaxConcurrent + host.Options.ResumeHeadroom,
            _card.PlaybackHeadroom(host.Options.AssumedPlayerBuffer), Batches, clock);
        _stall = new StallWatch(clock, _meters.Throughput, () => StallBound);
        _probes = new CardProbes(_id, _card, _stall, ReportSoon, logger);
        _reports = new ReportCadence(clock, host.Options.ReportInterval);
        _queue = new CardQueue(() => Runnable, host.Options.ResumeHeadroom);
        _registry = GrainFactory.GetGrain<IDeviceRegistryGrain>(0);
        this.RegisterGrainTimer(OnTickAsync, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        await ReportAsync();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        LogDeactivating(_id, reason.ReasonCode.ToString(), reason.Description, _queue.Active, _queue.Waiting + _queue.WaitingBackground);
        RejectWaiting($"card {_id} stopped (its silo is shutting down)");
        try
        {
            await _registry.RemoveAsync(_id);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogReportFailed(_id, ex.Message);
        }
    }

    public Task StartAsync() => ReportAsync();

    public Task<DeviceLoad> GetLoadAsync() => Task.FromResult(Load());

    public async IAsyncEnumerable<SynthesisEvent> SynthesizeAsync(SynthesisJob job, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Under Orleans' span of the call that started this stream: the frontend's trace continues here.
        var span = CardTracing.StartCard(job, _id, _card.Kind.ToString().ToLowerInvariant(), _card.Emulated, _card.ResumedFrames(job));
        var outcome = "cancelled";
        string? error = null;
        JobProgress? progress = null;
        try
        {
            if (RefusalReason(job.Background) is { } refusal)
            {
                (outcome, error) = ("refused: " + refusal, null);
                yield return SynthesisEvent.Rejected(refusal);
                yield break;
            }

            if (job.Voice.ClonePrompt is not null && !_card.CanClone)
            {
                // A cloned voice is its stored prompt or nothing: this card would speak a designed voice from the description
                // (possibly empty) instead. Refused, so the router takes it to a card with the Base model.
                var noClone = $"card {_id} has no Base model and cannot speak a cloned voice";
                (outcome, error) = ("refused: " + noClone, null);
                yield return SynthesisEvent.Rejected(noClone);
                yield break;
            }

            var (expected, invalid) = Estimate(job);
            if (invalid is not null)
            {
                // The request itself is wrong (language, speaker, empty text): no other card would do better.
                outcome = "invalid: " + invalid;
                yield return new SynthesisEvent { Kind = SynthesisEventKind.Failed, Reason = invalid, InvalidRequest = true };
                yield break;
            }

            progress = new JobProgress(expected);
            var number = _work.Admit(job.RequestId, progress);
            var resumed = job.ResumeCodes is { Length: > 0 };
            var ahead = resumed ? 0 : _queue.Waiting + (job.Background ? _queue.WaitingBackground : 0) + Math.Max(0, _queue.Active - Runnable + 1);
            var admittedAt = Stopwatch.GetTimestamp();
            var queue = CardTracing.StartQueue(span, ahead);
            ReportSoon();
            string? handedBack = null;
            var granted = false;
            try
            {
                yield return new SynthesisEvent { Kind = SynthesisEventKind.Admitted, AdmissionNumber = number, QueuePosition = ahead, Device = _id.Key };
                var urgency = !resumed ? SlotUrgency.New : job.Moved ? SlotUrgency.Moved : SlotUrgency.Resumed;
                handedBack = await WaitForSlotAsync(job.Background, urgency, job.SubmittedAt ?? clock.GetUtcNow(), mayHandBack: !resumed, cancellationToken);
                granted = handedBack is null;
            }
            finally
            {
                CardTracing.EndQueue(queue, handedBack);
                // Cancelled or abandoned while queued: its work must not stay in the card's load.
                if (!granted && _work.Remove(job.RequestId))
                {
                    ReportSoon();
                }
            }

            if (!granted)
            {
                outcome = "handed back: " + handedBack;
                yield return SynthesisEvent.Rejected(handedBack!);
                yield break;
            }

            var queueWait = Stopwatch.GetElapsedTime(admittedAt);
            Start(progress);
            _streaming++;

            // Current while the card starts: the engine's thread, started now, puts its prefill span under it.
            var firstAudioSpan = CardTracing.StartFirstAudio(span);
            CardTracing.MakeCurrent(firstAudioSpan);
            await using var chunks = _card.RunAsync(job, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var started = Stopwatch.GetTimestamp();
            TimeSpan? firstAudio = null;
            Exception? failure = null;
            try
            {
                while (true)
                {
                    Engine.Pipeline.AudioChunk chunk;
                    // Only time spent waiting on the engine can be a stall: between chunks this stream waits on its
                    // listener (a slow reader, or a frontend that died and whose call Orleans has not yet given up on).
                    _stall.Owing();

                    try
                    {
                        if (!await chunks.MoveNextAsync())
                        {
                            break;
                        }

                        chunk = chunks.Current;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        failure = ex;
                        break;
                    }
                    finally
                    {
                        _stall.Paid();
                    }

                    var frames = chunk.Samples.Length / _card.Design.Manifest.Codec.SamplesPerFrame;
                    progress.ProducedFrames += frames;
                    if (_stall.Progressed())
                    {
                        ReportSoon();
                    }
                    if (chunk.Samples.Length > 0)
                    {
                        if (firstAudio is null)
                        {
                            firstAudio = Stopwatch.GetElapsedTime(started);
                            firstAudioSpan?.SetTag("qwentts.frames", progress.ProducedFrames).Stop();
                        }

                        yield return new SynthesisEvent { Kind = SynthesisEventKind.Audio, Samples = chunk.Samples, SampleRate = chunk.SampleRate, Codes = chunk.Codes };
                    }

                    if (chunk.IsFinal)
                    {
                        var summary = new SynthesisSummary(_id.Key, _card.ResumedFrames(job) + progress.ProducedFrames, chunk.Stats?.AudioSeconds ?? 0, queueWait,
                            Stopwatch.GetElapsedTime(started), firstAudio ?? TimeSpan.Zero, _card.Emulated, _card.ClonePromptUsed(job), _card.ResumedFrames(job));
                        _work.Complete();
                        _card.Succeeded();
                        outcome = "completed";
                        yield return new SynthesisEvent { Kind = SynthesisEventKind.Completed, Summary = summary };
                    }
                }
            }
            finally
            {
                _streaming--;
                if (firstAudio is null)
                {
                    firstAudioSpan?.Stop(); // no audio came (a failure, or the caller left)
                }
                Finish(job.RequestId, failure);
            }

            if (failure is not null)
            {
                _card.Failed(failure);
                (outcome, error) = ("failed", failure.Message);
                yield return new SynthesisEvent { Kind = SynthesisEventKind.Failed, Reason = "synthesis failed on " + _id + ": " + failure.Message };
            }
        }
        finally
        {
            if (outcome == "cancelled" && _stall.Stalled)
            {
                // The router gave up on a stalled card: the card's failure, so its half of the trace is exported too.
                (outcome, error) = ("stalled", $"card {_id} stalled: no audio for {_stall.Silence.TotalSeconds:F1} s");
            }

            CardTracing.EndCard(span, outcome, progress?.ProducedFrames ?? 0, error);
        }
    }

    public async Task<VoiceClonePrompt> DeriveClonePromptAsync(VoiceDesign design, ulong seed, CancellationToken cancellationToken = default)
    {
        var prompt = await RunCloneAsync(() => _card.DeriveClonePrompt(design, seed, design.ScriptHint ?? ReferenceTexts.For(design.Language), cancellationToken),
            cancellationToken);
        return prompt with { DerivedBy = $"{prompt.DerivedBy} on {_id}" };
    }

    public async Task<VoiceClonePrompt> CloneRecordingAsync(float[] samples, string? referenceText, CancellationToken cancellationToken = default)
    {
        var prompt = await RunCloneAsync(() => _card.CloneRecording(samples, referenceText), cancellationToken);
        return prompt with { DerivedBy = $"{prompt.DerivedBy} on {_id}" };
    }

    public Task<float[]> EmbedSpeakerAsync(float[] samples, CancellationToken cancellationToken = default) =>
        RunCloneAsync(() => _card.EmbedSpeaker(samples), cancellationToken);

    /// <summary>
    /// Base-model work that streams nothing (a clone, a speaker embedding): it takes a slot like an utterance, and a
    /// caller that goes away while it waits for one, or before it starts, costs the card nothing.
    /// </summary>
    private async Task<T> RunCloneAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        // Counts as one utterance of the card while it runs (a short reference clip).
        var key = "clone:" + Guid.NewGuid().ToString("N");
        var progress = new JobProgress(40);
        _work.Track(key, progress);
        string? refusal;
        try
        {
            refusal = await WaitForSlotAsync(background: false, SlotUrgency.New, clock.GetUtcNow(), mayHandBack: false, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            _work.Remove(key);
            ReportSoon();
            throw;
        }

        if (refusal is not null)
        {
            _work.Remove(key);
            throw new InvalidOperationException($"card {_id} cannot take the clone: {refusal}");
        }

        Start(progress);
        Exception? failure = null;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            return await Task.Run(work, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            failure = ex;
            throw;
        }
        finally
        {
            Finish(key, failure);
        }
    }

    private (double Frames, string? Invalid) Estimate(SynthesisJob job)
    {
        try
        {
            return (_card.EstimateFrames(job), null);
        }
        catch (ArgumentException ex)
        {
            return (0, ex.Message);
        }
    }

    /// <summary>
    /// Utterances the card runs at once: all its slots, or on a batching card as many as its measured rates keep ahead of
    /// playback (<see cref="PlaybackAdmission"/>). The rest wait their turn.
    /// </summary>
    private int Runnable => _meters.RunnableAtOnce(MaxConcurrent);

    /// <summary>Its utterances share batched steps: an emulated card told to batch, or a card running decode lanes.</summary>
    private bool Batches => _card.Pacer is { } pacer ? pacer.BatchStepCost is not null : _card.Design.Batching is not null;

    private string? RefusalReason(bool background)
    {
        if (host.Draining)
        {
            return $"card {_id} is draining (its silo is stopping)";
        }

        if (!_card.Healthy)
        {
            return $"card {_id} is unhealthy ({_card.Health.Current.Reason})";
        }

        if (_stall.Stalled)
        {
            return $"card {_id} is stalled (no audio for {_stall.Silence.TotalSeconds:F1} s)";
        }

        return _queue.Full(background, MaxConcurrent, QueueLimit) is { } full ? $"card {_id} is full ({full})" : null;
    }

    /// <summary>Waits for a slot in the card's queue (see <see cref="CardQueue.WaitAsync"/>); null once it has one, else why not.</summary>
    /// <param name="mayHandBack">
    /// A synthesis the router can send elsewhere when this card slows down (not a clone derivation, which has no router
    /// behind it, nor a resumed stream).
    /// </param>
    private Task<string?> WaitForSlotAsync(bool background, SlotUrgency urgency, DateTimeOffset since, bool mayHandBack, CancellationToken cancellationToken) =>
        _queue.WaitAsync(background, urgency, since, _meters.FramesPerSecond, mayHandBack, cancellationToken);

    /// <summary>How long the card may go without audio while it owes some (see <see cref="DeviceOptions.StallTimeout"/>).</summary>
    /// <remarks>
    /// From the working rate, not the advertised one: a stall halves the advertised rate every second, and a bound that
    /// grew with it would call the card well again in the middle of its stall (before a router had seen the flag).
    /// </remarks>
    private TimeSpan StallBound => host.Options.StallTimeout
        ?? TimeSpan.FromSeconds(Math.Max(2, 2 * _card.MaxChunkFrames / Math.Max(_meters.Throughput.WorkingFramesPerSecond, 1)));

    private void Start(JobProgress progress)
    {
        progress.Started = true;
        _queue.Started();
        _meters.Running(_queue.Active);
        host.UtteranceStarted();
        ReportSoon();
    }

    private void Finish(string requestId, Exception? failure)
    {
        _work.Remove(requestId);
        _queue.Ended();
        _meters.Running(_queue.Active);
        host.UtteranceEnded();
        if (failure is not null)
        {
            _work.Fail(failure.Message);
            LogSynthesisFailed(_id, requestId, failure.Message);
        }

        _queue.ReleaseNext();
        ReportSoon();
    }

    private void RejectWaiting(string reason)
    {
        _queue.RejectAll(reason);
        _reports.Owe();
    }

    private async Task OnTickAsync(CancellationToken cancellationToken)
    {
        // The card's own housekeeping (reports, probes) belongs to no request's trace, whatever the timer's context.
        Activity.Current = null;
        if (host.Draining && _queue.Waiting + _queue.WaitingBackground > 0)
        {
            RejectWaiting("the card's silo is draining");
        }

        _queue.ReleaseNext(); // a batching card that learned it keeps more streams ahead takes its waiters now, not at the next end

        if (_stall.Detected)
        {
            // What waits here would wait out the stall: hand it back to the router, which sends it to another card;
            // and look slower every second it lasts, so that routing turns away at once.
            if (_stall.Notice())
            {
                LogStalled(_id, _stall.Silence.TotalSeconds, _queue.Active, _queue.Waiting);
            }

            RejectWaiting($"card {_id} stalled"); // owes a report: it carries the halved rate too
        }
        else
        {
            _probes.StartStallProbe(_streaming);
        }

        _probes.StartHealthProbe();

        if (_reports.Due)
        {
            await ReportAsync();
        }
    }

    /// <summary>
    /// What waits here was sent when the card was faster: once its rate has fallen by more than a quarter since, it
    /// goes back to the router, which sends it to another card (not this one again) weighed at its rate now. Otherwise a
    /// card that slows down keeps the queue it collected at its old rate, and those requests wait twice as long as
    /// anywhere else.
    /// </summary>
    private void HandBackAfterSlowdown()
    {
        var rate = _meters.FramesPerSecond;
        var handedBack = _stall.Stalled ? 0 : _queue.HandBackSlowerThan(rate, ThroughputMeter.ChangeRatio, $"card {_id} slowed down to {rate:F0} frames/s");

        if (handedBack > 0)
        {
            LogHandedBackAfterSlowdown(_id, handedBack, rate);
            _reports.Owe();
        }
    }

    private void ReportSoon()
    {
        if (_reports.Changed())
        {
            _ = ReportAsync();
        }
    }

    private async Task ReportAsync()
    {
        Activity.Current = null; // a load report, also when a traced utterance triggers it, is not part of that trace
        // Every report samples the rate: reports sent at once on admissions and completions would otherwise starve the
        // tick's, and with them the meter.
        _meters.Sample();
        HandBackAfterSlowdown();
        _reports.Sending();
        try
        {
            await _registry.ReportAsync(Load());
        }
        catch (Exception ex)
        {
            _reports.Owe();
            LogReportFailed(_id, ex.Message);
        }
    }

    private DeviceLoad Load()
    {
        var (running, waiting) = _work.RemainingFrames();
        var inFlight = running.Sum();

        var health = _card.Health.Current;
        return new DeviceLoad
        {
            Device = _id,
            Kind = _card.Kind,
            Model = _card.Model,
            Emulated = _card.Emulated,
            Provider = _card.Provider,
            RelativeSpeed = _card.Spec.RelativeSpeed,
            MemoryBytes = _card.MemoryBytes,
            Active = _queue.Active,
            // Every admitted job not yet running: those in the queues and those just admitted or just given a slot, so
            // a report sent between admission and start (with AdmittedTotal already counting the job) leaves no room
            // that is not there.
            Queued = waiting.Length,
            MaxConcurrent = MaxConcurrent,
            Runnable = Runnable,
            QueueLimit = QueueLimit,
            QueuedWorkFrames = inFlight + waiting.Sum(),
            InFlightFrames = inFlight,
            RunningFrames = running,
            WaitingFrames = waiting,
            FramesPerSecond = _meters.FramesPerSecond,
            // Only a batching card's rate depends on how many run; a card whose utterances take turns is one rate, as
            // before (its rate with one running reads low: the gaps while that one stream waits on its listener count).
            RelativeRateByBatch = _meters.RatesByBatch(),
            Healthy = health.State != DeviceHealth.Unhealthy,
            Health = health.State,
            Stalled = _stall.Stalled,
            HealthReason = health.Reason,
            Draining = host.Draining,
            AdmittedTotal = _work.Admitted,
            CompletedTotal = _work.Completed,
            FailedTotal = _work.Failed,
            ReportedAt = clock.GetUtcNow(),
            CanClone = _card.CanClone,
            Batching = _card.Design.BatchingStatus,
            LastError = _work.LastError ?? _card.SelfTestProblem,
            HostSilo = silo.Name,
            ModelName = _card.Design.Manifest.Name,
            Miniature = _card.Design.Manifest.Miniature,
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Device {Device} deactivating ({Code}: {Description}) with {Active} running and {Waiting} waiting")]
    private partial void LogDeactivating(DeviceId device, string code, string description, int active, int waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device} stalled: no audio for {Seconds:F1} s with {Active} running; handing {Waiting} waiting requests to other cards")]
    private partial void LogStalled(DeviceId device, double seconds, int active, int waiting);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device} slowed down to {FramesPerSecond:F1} frames/s: handing {Count} waiting requests, admitted at its old rate, back to the router")]
    private partial void LogHandedBackAfterSlowdown(DeviceId device, int count, double framesPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Device {Device}: report to the registry failed: {Reason}")]
    private partial void LogReportFailed(DeviceId device, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Device {Device}: request {RequestId} failed: {Reason}")]
    private partial void LogSynthesisFailed(DeviceId device, string requestId, string reason);
}
