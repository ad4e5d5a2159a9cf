using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Routing;

/// <summary>
/// Runs one job on the cluster: picks a card, streams its events, and when the card cannot start the job (it refuses,
/// fails before any audio, or its silo is gone) tries another — a failed or vanished card is re-routed once. After the first audio has gone out a
/// failure is final, since the caller already has part of the utterance.
/// </summary>
public sealed partial class SynthesisDispatcher(IGrainFactory grains, DeviceRouter router, FrameEstimator estimator, ILogger<SynthesisDispatcher> logger)
{
    public async IAsyncEnumerable<SynthesisEvent> RunAsync(SynthesisJob job, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var frames = estimator.Estimate(job.Text);
        job = job with { ExpectedFrames = frames };
        var excluded = new HashSet<DeviceId>();
        var attempts = 0;
        var reroutes = 0;

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var ticket = router.Pick(frames, excluded) ?? throw Saturated(excluded.Count);
            attempts++;
            var audioStarted = false;
            Exception? failure = null;
            SynthesisEvent? refusal = null;

            var stream = grains.GetGrain<IDeviceGrain>(ticket.Device.Key).SynthesizeAsync(job, cancellationToken);
            var events = stream.GetAsyncEnumerator(cancellationToken);
            try
            {
                while (true)
                {
                    SynthesisEvent next;
                    try
                    {
                        if (!await events.MoveNextAsync())
                        {
                            break;
                        }

                        next = events.Current;
                    }
                    catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                    {
                        failure = ex;
                        break;
                    }

                    switch (next.Kind)
                    {
                        case SynthesisEventKind.Admitted:
                            router.Admitted(ticket, next.AdmissionNumber);
                            yield return next;
                            break;
                        case SynthesisEventKind.Rejected:
                            refusal = next;
                            break;
                        case SynthesisEventKind.Audio:
                            audioStarted = true;
                            yield return next;
                            break;
                        case SynthesisEventKind.Completed:
                            estimator.Learn(job.Text, next.Summary?.Frames ?? 0);
                            yield return next;
                            yield break;
                        case SynthesisEventKind.Failed when next.InvalidRequest:
                            throw new InvalidSynthesisRequestException(next.Reason ?? "the request is not valid");
                        case SynthesisEventKind.Failed when !audioStarted:
                            // The card failed before any audio: the caller has nothing yet, so another card may take it.
                            failure = new SynthesisFailedException(next.Reason ?? "synthesis failed", retryable: true);
                            break;
                        case SynthesisEventKind.Failed:
                            throw new SynthesisFailedException(next.Reason ?? "synthesis failed", retryable: false);
                    }

                    if (refusal is not null || failure is not null)
                    {
                        break;
                    }
                }
            }
            finally
            {
                router.Release(ticket);
                await DisposeQuietlyAsync(events);
            }

            if (refusal is not null && !audioStarted)
            {
                excluded.Add(ticket.Device);
                LogRefused(job.RequestId, ticket.Device, refusal.Reason ?? "");
                if (attempts >= router.Options.MaxAttempts)
                {
                    throw Saturated(excluded.Count);
                }

                continue;
            }

            if (failure is null)
            {
                throw new SynthesisFailedException($"card {ticket.Device} ended the stream without completing it", retryable: !audioStarted);
            }

            if (audioStarted)
            {
                throw new SynthesisFailedException($"card {ticket.Device} failed mid-utterance: {failure.Message}", retryable: false);
            }

            // A card that answered with a failure is alive and judges its own health; a call that broke means its
            // silo is most likely gone, so its cards are avoided for a while.
            if (failure is not SynthesisFailedException)
            {
                router.MarkFailed(ticket.Device);
            }

            excluded.Add(ticket.Device);
            if (reroutes++ >= 1)
            {
                throw new SynthesisFailedException($"card {ticket.Device} could not start the request: {failure.Message}", retryable: true);
            }

            LogRerouted(job.RequestId, ticket.Device, failure.GetType().Name, failure.Message);
        }
    }

    private ClusterSaturatedException Saturated(int refusedBy) => new(
        refusedBy == 0 ? "No card in the cluster has room for this request." : $"All cards that could take the request refused it ({refusedBy} tried).",
        router.SuggestRetryAfter());

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Request {RequestId}: card {Device} refused it ({Reason}); trying another")]
    private partial void LogRefused(string requestId, DeviceId device, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId}: card {Device} could not start it ({Error}: {Reason}); re-routing once")]
    private partial void LogRerouted(string requestId, DeviceId device, string error, string reason);
}
