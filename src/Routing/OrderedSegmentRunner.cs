using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Routing;

/// <summary>
/// Runs a request's segments on several cards at once and hands their audio back strictly in text order. Two bounds:
/// a share of the cluster's cards caps how many segments synthesise at a time (a slot frees when its segment is made,
/// so cards never wait for the client), and the look-ahead caps how far past the segment being streamed work may run
/// (so buffered audio stays bounded). The first segment starts at once, so first audio comes no later than when
/// segments ran one by one. A look-ahead segment that finds the cluster full waits for its turn and tries again, as a
/// sequential request would have.
/// </summary>
public sealed class OrderedSegmentRunner(SynthesisDispatcher dispatcher, DeviceRouter router, IOptions<RoutingOptions> options)
{
    /// <summary>How many segments of one request may synthesise at once now.</summary>
    public int CardsPerRequest
    {
        get
        {
            var o = options.Value;
            var usable = router.Devices.Count(d => d.Healthy && !d.Draining);
            return o.ParallelSegments ? Math.Clamp((int)Math.Floor(usable * o.MaxCardShare), 1, 1 + Math.Max(0, o.SegmentLookAhead)) : 1;
        }
    }

    /// <summary>How many segments may be started but not yet streamed: the one streaming plus the look-ahead.</summary>
    public int Window => options.Value.ParallelSegments ? 1 + Math.Max(0, options.Value.SegmentLookAhead) : 1;

    /// <param name="trace">How the segments' spans join the caller's trace; by default they are part of it.</param>
    /// <param name="dropped">
    /// Per job, a token that drops that segment alone (a streaming session's input.clear or response.cancel): its card work
    /// is cancelled, its audio not yet handed back is skipped, and the segments after it go on. Null: none is dropped alone.
    /// </param>
    public async IAsyncEnumerable<SegmentOutput> RunAsync(IAsyncEnumerable<SynthesisJob> jobs, [EnumeratorCancellation] CancellationToken cancellationToken = default,
        SegmentTrace trace = default, Func<SynthesisJob, CancellationToken>? dropped = null)
    {
        dropped ??= _ => CancellationToken.None;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var window = Window;
        var cards = CardsPerRequest;
        using var ahead = new SemaphoreSlim(window, window);
        using var slots = new SemaphoreSlim(cards, cards);
        var runs = Channel.CreateUnbounded<SegmentRun>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var started = new List<SegmentRun>();
        var feeder = FeedAsync(jobs, ahead, slots, runs.Writer, started, trace, dropped, stop.Token);
        try
        {
            var index = 0;
            await foreach (var run in runs.Reader.ReadAllAsync(cancellationToken))
            {
                run.BecomeHead();
                await foreach (var e in run.Events.Reader.ReadAllAsync(cancellationToken))
                {
                    if (run.Dropped.IsCancellationRequested)
                    {
                        break;
                    }

                    yield return new SegmentOutput(index, run.Job, e) { Trace = run.Trace };
                }

                ahead.Release();
                index++;
            }
        }
        finally
        {
            // Stopped early (client gone, failure): cancel what is still running on cards and wait for it to let go.
            await stop.CancelAsync();
            await feeder.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            SegmentRun[] all;
            lock (started)
            {
                all = [.. started];
            }

            foreach (var run in all)
            {
                await run.Producer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task FeedAsync(IAsyncEnumerable<SynthesisJob> jobs, SemaphoreSlim ahead, SemaphoreSlim slots, ChannelWriter<SegmentRun> runs,
        List<SegmentRun> started, SegmentTrace trace, Func<SynthesisJob, CancellationToken> dropped, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var job in jobs.WithCancellation(cancellationToken))
            {
                if (dropped(job).IsCancellationRequested)
                {
                    continue;
                }

                await ahead.WaitAsync(cancellationToken);
                await slots.WaitAsync(cancellationToken);
                var run = new SegmentRun(job, dropped(job));
                lock (started)
                {
                    if (started.Count == 0)
                    {
                        run.BecomeHead(); // before it starts, so the first segment waits for room rather than for itself
                    }

                    started.Add(run);
                }

                run.Producer = ProduceAsync(run, slots, trace, cancellationToken);
                await runs.WriteAsync(run, cancellationToken);
            }

            runs.TryComplete();
        }
        catch (Exception ex)
        {
            runs.TryComplete(ex);
        }
    }

    private async Task ProduceAsync(SegmentRun run, SemaphoreSlim slots, SegmentTrace trace, CancellationToken cancellationToken)
    {
        // Current for the rest of this method, so the dispatcher (an iterator run from here) finds it at every step.
        var span = RoutingTracing.StartSegment(run.Job, trace);
        run.Trace = span?.Context ?? default;
        Exception? failure = null;
        var request = cancellationToken;
        using var segment = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, run.Dropped);
        cancellationToken = segment.Token;
        try
        {
            while (true)
            {
                var wrote = false;
                // Only the segment being streamed waits in the admission queue; a look-ahead one waits for its turn here.
                var asHead = run.IsHead;
                try
                {
                    await foreach (var e in dispatcher.RunAsync(run.Job, waitForRoom: asHead, cancellationToken))
                    {
                        if (e.Kind is SynthesisEventKind.Audio or SynthesisEventKind.Completed)
                        {
                            wrote = true;
                            await run.Events.Writer.WriteAsync(e, cancellationToken);
                        }
                    }

                    break;
                }
                catch (ClusterSaturatedException) when (!wrote && !asHead)
                {
                    await run.Head.WaitAsync(cancellationToken);
                }
            }

            run.Events.Writer.TryComplete();
        }
        catch (OperationCanceledException) when (run.Dropped.IsCancellationRequested && !request.IsCancellationRequested)
        {
            run.Events.Writer.TryComplete(); // dropped alone: the request goes on without it
        }
        catch (Exception ex)
        {
            failure = ex;
            run.Events.Writer.TryComplete(ex);
        }
        finally
        {
            slots.Release();
            RoutingTracing.EndSegment(span, failure, cancellationToken.IsCancellationRequested);
        }
    }

    private sealed class SegmentRun(SynthesisJob job, CancellationToken dropped)
    {
        public CancellationToken Dropped { get; } = dropped;

        private readonly TaskCompletionSource _head = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SynthesisJob Job { get; } = job;

        public Channel<SynthesisEvent> Events { get; } = Channel.CreateUnbounded<SynthesisEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public Task Producer { get; set; } = Task.CompletedTask;

        /// <summary>The segment's span, for what its consumer does with the audio (encoding, sending).</summary>
        public ActivityContext Trace { get; set; }

        public Task Head => _head.Task;

        public bool IsHead => _head.Task.IsCompleted;

        public void BecomeHead() => _head.TrySetResult();
    }
}
