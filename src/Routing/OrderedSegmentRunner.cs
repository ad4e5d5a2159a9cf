using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Routing;

/// <summary>
/// Runs a request's segments on several cards at once and hands their audio back strictly in text order. A bounded
/// window (look-ahead, and a share of the cluster's cards) caps how many segments synthesise at a time; the first one
/// starts at once, so the first audio comes no later than when segments ran one by one. A look-ahead segment that finds
/// the cluster full waits for its turn and tries again, as a sequential request would have.
/// </summary>
public sealed class OrderedSegmentRunner(SynthesisDispatcher dispatcher, DeviceRouter router, IOptions<RoutingOptions> options)
{
    /// <summary>How many segments of one request may synthesise at once now.</summary>
    public int Window
    {
        get
        {
            var o = options.Value;
            if (!o.ParallelSegments)
            {
                return 1;
            }

            var usable = router.Devices.Count(d => d.Healthy && !d.Draining);
            return Math.Clamp((int)Math.Floor(usable * o.MaxCardShare), 1, 1 + Math.Max(0, o.SegmentLookAhead));
        }
    }

    public async IAsyncEnumerable<SegmentOutput> RunAsync(IAsyncEnumerable<SynthesisJob> jobs, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var window = Window;
        using var slots = new SemaphoreSlim(window, window);
        var runs = Channel.CreateUnbounded<SegmentRun>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var started = new List<SegmentRun>();
        var feeder = FeedAsync(jobs, slots, runs.Writer, started, stop.Token);
        try
        {
            var index = 0;
            await foreach (var run in runs.Reader.ReadAllAsync(cancellationToken))
            {
                run.BecomeHead();
                await foreach (var e in run.Events.Reader.ReadAllAsync(cancellationToken))
                {
                    yield return new SegmentOutput(index, run.Job, e);
                }

                slots.Release();
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

    private async Task FeedAsync(IAsyncEnumerable<SynthesisJob> jobs, SemaphoreSlim slots, ChannelWriter<SegmentRun> runs, List<SegmentRun> started,
        CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var job in jobs.WithCancellation(cancellationToken))
            {
                await slots.WaitAsync(cancellationToken);
                var run = new SegmentRun(job);
                lock (started)
                {
                    started.Add(run);
                }

                run.Producer = ProduceAsync(run, cancellationToken);
                await runs.WriteAsync(run, cancellationToken);
            }

            runs.TryComplete();
        }
        catch (Exception ex)
        {
            runs.TryComplete(ex);
        }
    }

    private async Task ProduceAsync(SegmentRun run, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var wrote = false;
                try
                {
                    await foreach (var e in dispatcher.RunAsync(run.Job, cancellationToken))
                    {
                        if (e.Kind is SynthesisEventKind.Audio or SynthesisEventKind.Completed)
                        {
                            wrote = true;
                            await run.Events.Writer.WriteAsync(e, cancellationToken);
                        }
                    }

                    break;
                }
                catch (ClusterSaturatedException) when (!wrote && !run.IsHead)
                {
                    await run.Head.WaitAsync(cancellationToken);
                }
            }

            run.Events.Writer.TryComplete();
        }
        catch (Exception ex)
        {
            run.Events.Writer.TryComplete(ex);
        }
    }

    private sealed class SegmentRun(SynthesisJob job)
    {
        private readonly TaskCompletionSource _head = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public SynthesisJob Job { get; } = job;

        public Channel<SynthesisEvent> Events { get; } = Channel.CreateUnbounded<SynthesisEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

        public Task Producer { get; set; } = Task.CompletedTask;

        public Task Head => _head.Task;

        public bool IsHead => _head.Task.IsCompleted;

        public void BecomeHead() => _head.TrySetResult();
    }
}
