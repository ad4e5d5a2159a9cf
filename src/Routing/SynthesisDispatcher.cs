using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Routing;

/// <summary>
/// Runs one job on the cluster: picks a card, streams its events, and when the card cannot start the job (it refuses,
/// fails before any audio, or its silo is gone) tries another — a failed or vanished card is re-routed once. When the
/// card dies mid-utterance (its silo declared dead, its stream stalled, or it failed), the segment is regenerated on
/// another card with the same seed and prompt: a segment's codes depend only on those and the frames before. The audio
/// events carry the codes of their frames, so the new card resumes: it replays the frames the caller has through its
/// talker (one step a frame instead of generating them again) and streams only what follows. Without codes (a card
/// that does not send them) it regenerates the segment and the audio the caller has is skipped. Either way the caller
/// sees no error, and the splice is exact when the new card runs the same model on the same provider; otherwise the
/// audio after it may differ and the splice gets a short crossfade.
/// </summary>
public sealed partial class SynthesisDispatcher(IGrainFactory grains, DeviceRouter router, FrameEstimator estimator, ILogger<SynthesisDispatcher> logger)
{
    public IAsyncEnumerable<SynthesisEvent> RunAsync(SynthesisJob job, CancellationToken cancellationToken = default) =>
        RunAsync(job, waitForRoom: true, cancellationToken);

    /// <param name="waitForRoom">
    /// When no card has room, wait for one (up to <see cref="RoutingOptions.AdmissionTimeout"/>, behind requests already
    /// waiting) rather than refuse at once; false for work that has a better place to wait (a look-ahead segment).
    /// </param>
    public async IAsyncEnumerable<SynthesisEvent> RunAsync(SynthesisJob job, bool waitForRoom, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var frames = estimator.Estimate(job.Text);
        job = job with { ExpectedFrames = frames, SubmittedAt = job.SubmittedAt ?? TimeProvider.System.GetUtcNow() };
        var excluded = new HashSet<DeviceId>(); // cards that failed this job
        var refused = new HashSet<DeviceId>(); // cards that turned it away (full when it arrived, draining, stalled)
        var attempts = 0;
        var reroutes = 0;
        var failovers = 0;
        long delivered = 0; // samples of this segment the caller already has
        var deliveredCodes = new List<int>(); // the codes of those samples' frames, to resume from
        var resumable = true; // every delivered sample came with its frame's codes
        var lastSample = 0f;
        DeviceLoad? firstCard = null;
        var segment = Activity.Current; // the segment's span (see OrderedSegmentRunner); this iterator's own spans hang under it
        var why = "first";
        DeviceId? lastCard = null;
        // A segment that starts as the one being streamed to a listener may move off a card that falls behind playback (see
        // PlaybackTracker); its listener is taken to start with its first audio, so a later segment of a long text, whose
        // listener still has the audio of those before it, is judged a little early.
        var playback = new PlaybackTracker(router.Options.AssumedPlayerBuffer, frames, router.Options.MoveBelowRealTime);
        var mayMove = router.Options.MoveStreamsBehindPlayback && waitForRoom && !job.Background;
        var moves = 0;
        DeviceRouter.Ticket? movingTo = null; // taken for the stream when its card fell behind playback
        DeviceId? movedFrom = null; // that card, until the new one takes the stream

        while (true)
        {
            if (cancellationToken.IsCancellationRequested && movingTo is not null)
            {
                router.Release(movingTo); // taken for a move the caller did not wait for
                movingTo = null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            // A segment to continue (resume or regenerate) always waits for room, ahead of new requests: its caller already
            // hears it. Background work never waits here (its worker tries again later), so it cannot hold up live
            // requests behind it.
            var wait = (waitForRoom && !job.Background) || delivered > 0;
            var resume = delivered > 0 && resumable;
            var remaining = resume ? Math.Max(1, frames - (delivered / (double)SamplesPerFrame)) : frames;
            var route = RoutingTracing.StartRoute(segment, attempts + 1, why, remaining);
            DeviceRouter.Ticket? picked = null;
            try
            {
                picked = movingTo ?? await RoutingTracing.InSpan(route, () =>
                    PickAsync(remaining, excluded, refused, job.Voice.ClonePrompt is not null, wait, delivered > 0 && !job.Background, cancellationToken));
            }
            finally
            {
                RoutingTracing.Routed(route, picked, waited: wait && !cancellationToken.IsCancellationRequested);
            }

            movingTo = null;

            var ticket = picked
                ?? throw (delivered > 0
                ? new SynthesisFailedException($"no card had room to continue the segment within {router.Options.AdmissionTimeout.TotalSeconds:0.#} s after {failovers} failover(s)", retryable: false)
                : Saturated(refused.Count, wait));
            attempts++;
            var card = router.Devices.FirstOrDefault(d => d.Device == ticket.Device);
            firstCard ??= card;
            // Same model and provider: the same seed and prompt give the same codes, so skipping what the caller has is exact.
            var exact = card is null || firstCard is null || (card.ModelName == firstCard.ModelName && card.Provider == firstCard.Provider);
            var splicing = delivered > 0;
            if (splicing && why != "moved")
            {
                RoutingMetrics.Failover(exact, resume);
            }

            long produced = resume ? delivered : 0; // samples of the segment this attempt accounts for, including those skipped
            var crossfadeLeft = splicing && !exact ? router.Options.CrossfadeSamples : 0;
            Exception? failure = null;
            SynthesisEvent? refusal = null;
            Task<bool>? abandoned = null;
            var watchdog = new StreamWatchdog(router, ticket.Device, router.Options, TimeProvider.System);
            var attemptSpan = RoutingTracing.StartAttempt(segment, ticket.Device, attempts, afterFailure: why is "failover" or "rerouted",
                splicing ? new RoutingTracing.Failover(lastCard ?? ticket.Device, resume, exact, RoutingTracing.Seconds(delivered), BehindPlayback: why == "moved") : null);
            lastCard = ticket.Device;
            var outcome = "ended without completing";
            string? error = "the stream ended without completing the segment";

            // Its own token, so an abandoned (stalled) card is told to drop the utterance instead of finishing it for nobody.
            var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var attemptJob = resume ? job with { ResumeCodes = [.. deliveredCodes], Moved = why == "moved" } : job;
            var stream = grains.GetGrain<IDeviceGrain>(ticket.Device.Key).SynthesizeAsync(attemptJob, attempt.Token);
            var events = stream.GetAsyncEnumerator(attempt.Token);
            playback.NewCard();
            var moveTo = mayMove && moves < router.Options.MaxMoves && firstCard is { } origin
                ? () => MoveTarget(playback, origin, ticket.Device, excluded, job, resumable && delivered > 0)
                : (Func<DeviceRouter.Ticket?>?)null;
            try
            {
                while (true)
                {
                    SynthesisEvent next;
                    try
                    {
                        // The first call starts Orleans' grain-call span: under this try's span, so the card's spans are too.
                        playback.BeginWait(TimeProvider.System.GetUtcNow());
                        var move = RoutingTracing.InSpan(attemptSpan, () => events.MoveNextAsync().AsTask());
                        var interruption = await watchdog.WaitAsync(move, moveTo);
                        playback.EndWait(TimeProvider.System.GetUtcNow());
                        if (interruption is { } cut)
                        {
                            abandoned = move;
                            if (cut.MoveTo is { } to)
                            {
                                movingTo = to;
                                (outcome, error) = ("moved", null);
                                RoutingMetrics.Moved();
                                LogMoved(job.RequestId, ticket.Device, to.Device, RoutingTracing.Seconds(delivered));
                                break;
                            }

                            failure = cut.Dead;
                            (outcome, error) = ("stalled", failure!.Message);
                            break;
                        }

                        if (!await move)
                        {
                            break;
                        }

                        next = events.Current;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        failure = ex;
                        (outcome, error) = ("unreachable", ex.Message);
                        break;
                    }

                    watchdog.Heard(next.Kind == SynthesisEventKind.Admitted, next.Kind == SynthesisEventKind.Audio);
                    switch (next.Kind)
                    {
                        case SynthesisEventKind.Admitted:
                            router.Admitted(ticket, next.AdmissionNumber);
                            movedFrom = null; // the new card took it: the card it left stays left for this segment
                            yield return next;
                            break;
                        case SynthesisEventKind.Rejected:
                            refusal = next;
                            (outcome, error) = ("refused", null);
                            break;
                        case SynthesisEventKind.Audio when next.Samples is { } samples:
                            // A regenerated segment repeats what the caller already has: skip it, send only the rest.
                            var skip = (int)Math.Clamp(delivered - produced, 0, samples.Length);
                            produced += samples.Length;
                            if (skip == samples.Length)
                            {
                                break;
                            }

                            // Only whole frames with their codes can be resumed from (a partly skipped chunk never
                            // happens with the same chunking; it is not worth splitting codes for).
                            if (skip == 0 && next.Codes is { Length: > 0 } codes)
                            {
                                deliveredCodes.AddRange(codes);
                            }
                            else
                            {
                                resumable = false;
                            }

                            var fresh = skip == 0 ? samples : samples[skip..];
                            if (crossfadeLeft > 0)
                            {
                                crossfadeLeft = Crossfade(fresh, lastSample, router.Options.CrossfadeSamples, crossfadeLeft);
                            }

                            delivered += fresh.Length;
                            playback.Audio(TimeProvider.System.GetUtcNow(), fresh.Length / (double)SamplesPerFrame);
                            lastSample = fresh[^1];
                            yield return skip == 0 ? next : next with { Samples = fresh, Codes = null }; // its codes were the whole chunk's
                            break;
                        case SynthesisEventKind.Completed:
                            if (next.Summary is { } summary && job.Sampling?.CutShort(summary.Frames) != true)
                            {
                                estimator.Learn(job.Text, summary.Frames);
                            }

                            (outcome, error) = ("completed", null);
                            yield return next;
                            yield break;
                        case SynthesisEventKind.Failed when next.InvalidRequest:
                            (outcome, error) = ("invalid", next.Reason ?? "the request is not valid");
                            throw new InvalidSynthesisRequestException(next.Reason ?? "the request is not valid");
                        case SynthesisEventKind.Failed:
                            // The card failed: another card may take the job (or regenerate it, if audio went out).
                            failure = new SynthesisFailedException(next.Reason ?? "synthesis failed", retryable: true);
                            (outcome, error) = ("failed", failure.Message);
                            break;
                    }

                    if (refusal is not null || failure is not null)
                    {
                        break;
                    }
                }
            }
            finally
            {
                if (cancellationToken.IsCancellationRequested && outcome != "completed")
                {
                    (outcome, error) = ("cancelled", null); // the caller left: no failure of the card's
                }

                RoutingTracing.EndAttempt(attemptSpan, outcome, error, delivered);
                router.Release(ticket);
                if (abandoned is null)
                {
                    await DisposeQuietlyAsync(events);
                    attempt.Dispose();
                }
                else
                {
                    // The card is dead or stalled: do not wait for the transport to give up on it.
                    await CancelQuietlyAsync(attempt);
                    _ = abandoned.ContinueWith(async _ =>
                    {
                        await DisposeQuietlyAsync(events);
                        attempt.Dispose();
                    }, TaskScheduler.Default).Unwrap();
                }
            }

            // The caller left: whatever the card did meanwhile is no failure of it, and nothing is regenerated elsewhere.
            if (cancellationToken.IsCancellationRequested && movingTo is not null)
            {
                router.Release(movingTo);
                movingTo = null;
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (movingTo is not null)
            {
                // The card is well, only slower than this stream needs: not a failure, but not tried again for it.
                excluded.Add(ticket.Device);
                movedFrom = ticket.Device;
                moves++;
                why = "moved";
                continue;
            }

            if (refusal is not null)
            {
                refused.Add(ticket.Device);
                LogRefused(job.RequestId, ticket.Device, refusal.Reason ?? "");
                if (why == "moved" && movedFrom is { } from)
                {
                    // The card it moved to was full by the time it got there: the one it left may take it back. Still a move
                    // (its listener has audio): it waits its turn within what a card keeps ahead of playback.
                    excluded.Remove(from);
                }
                else
                {
                    why = "refused";
                }

                if (attempts >= router.Options.MaxAttempts)
                {
                    throw delivered > 0
                        ? new SynthesisFailedException($"every card refused to continue the segment: {refusal.Reason}", retryable: false)
                        : Saturated(refused.Count, waited: false);
                }

                continue;
            }

            excluded.Add(ticket.Device);

            failure ??= new CardUnresponsiveException($"card {ticket.Device} ended the stream without completing it", siloGone: false);
            // A card that answered with a failure or went quiet is judged by its own health; a call that broke, or a card
            // that left the table, means its silo is most likely gone, so all its cards are avoided for a while.
            if (failure is not (SynthesisFailedException or CardUnresponsiveException { SiloGone: false }))
            {
                router.MarkFailed(ticket.Device);
            }

            if (delivered > 0)
            {
                if (failovers++ >= router.Options.MaxFailovers)
                {
                    throw new SynthesisFailedException($"card {ticket.Device} failed mid-utterance: {failure.Message}", retryable: false);
                }

                LogFailover(job.RequestId, ticket.Device, delivered, failure.Message, resumable ? "resuming after the frames it has" : "regenerating the segment");
                why = "failover";
                continue;
            }

            if (reroutes++ >= router.Options.MaxReroutes)
            {
                throw new SynthesisFailedException($"card {ticket.Device} could not start the request: {failure.Message}", retryable: true);
            }

            LogRerouted(job.RequestId, ticket.Device, failure.GetType().Name, failure.Message);
            why = "rerouted";
        }
    }

    /// <summary>
    /// The card to move the stream to when its card has fallen behind playback and another would do better, or null.
    /// Only a stream that can be resumed exactly (the caller has the codes of everything it has).
    /// </summary>
    private DeviceRouter.Ticket? MoveTarget(PlaybackTracker playback, DeviceLoad origin, DeviceId current, HashSet<DeviceId> excluded, SynthesisJob job, bool resumable)
    {
        var now = TimeProvider.System.GetUtcNow();
        var card = router.Devices.FirstOrDefault(d => d.Device == current);
        var running = Math.Max(1, card?.Active ?? 1);
        if (!resumable || playback.Behind(now, card?.RateWith(running) / running) is not { } lag)
        {
            return null;
        }

        return router.PickToMove(origin, lag, playback, now, new HashSet<DeviceId>(excluded) { current }, job.Voice.ClonePrompt is not null);
    }

    /// <summary>
    /// Joins a regenerated segment from a card whose numerics differ (its codes may diverge): a short linear ramp from
    /// the last sample the caller has into the new audio, so the splice does not click. Returns the ramp left.
    /// </summary>
    private static int Crossfade(float[] fresh, float from, int length, int left)
    {
        var i = 0;
        for (; i < fresh.Length && left > 0; i++, left--)
        {
            var weight = (length - left + 1) / (float)(length + 1);
            fresh[i] = (from * (1 - weight)) + (fresh[i] * weight);
        }

        return left;
    }

    /// <summary>
    /// A card that refused the job is passed over for the next try. When no other card has room the job waits its turn,
    /// and a card that refused it may take it once its reports show room again (it was full only for a moment, or its
    /// report lagged); one that is draining or stalled says so in its reports and is not picked.
    /// </summary>
    private async Task<DeviceRouter.Ticket?> PickAsync(double frames, HashSet<DeviceId> excluded, HashSet<DeviceId> refused, bool needsClone,
        bool waitForRoom, bool first, CancellationToken cancellationToken)
    {
        if (refused.Count > 0)
        {
            var others = new HashSet<DeviceId>(excluded);
            others.UnionWith(refused);
            var other = router.Pick(frames, others, needsClone);
            if (other is not null || !waitForRoom)
            {
                return other;
            }
        }

        return await router.PickAsync(frames, excluded, needsClone, waitForRoom, first, cancellationToken);
    }

    private ClusterSaturatedException Saturated(int refusedBy, bool waited) => new(
        waited && router.Options.AdmissionTimeout > TimeSpan.Zero
            ? $"No card in the cluster had room for this request within {router.Options.AdmissionTimeout.TotalSeconds:0.#} s" +
              (refusedBy > 0 ? $" ({refusedBy} card(s) refused it)" : "") +
              $", or {router.Options.AdmissionQueueLimit} requests were already waiting for one."
            : refusedBy > 0 ? $"All cards that could take the request refused it ({refusedBy} tried)."
            : "No card in the cluster has room for this request.",
        router.SuggestRetryAfter());

    private static async Task CancelQuietlyAsync(CancellationTokenSource attempt)
    {
        try
        {
            await attempt.CancelAsync();
        }
        catch (AggregateException)
        {
            // Telling a gone silo to stop may fail; the card's own stall handling or its silo's death ends the work.
        }
    }

    private static async ValueTask DisposeQuietlyAsync(IAsyncEnumerator<SynthesisEvent> events)
    {
        try
        {
            await events.DisposeAsync();
        }
        catch (Exception)
        {
            // The card's silo may be gone; there is nothing to release on our side.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: card {Device} fell behind playback after {Seconds:0.##} s of audio went out; moving the stream to card {To}, resuming after the frames it has")]
    private partial void LogMoved(string requestId, DeviceId device, DeviceId to, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: card {Device} died after {Samples} samples went out ({Reason}); {How} on another card")]
    private partial void LogFailover(string requestId, DeviceId device, long samples, string reason, string how);

    /// <summary>Qwen3-TTS-12Hz: 24 kHz audio at 12.5 frames a second. Only for the size of a resumed segment's ticket.</summary>
    private const int SamplesPerFrame = 1920;

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId}: card {Device} refused it ({Reason}); trying another")]
    private partial void LogRefused(string requestId, DeviceId device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: card {Device} could not start it ({Error}: {Reason}); re-routing")]
    private partial void LogRerouted(string requestId, DeviceId device, string error, string reason);
}
