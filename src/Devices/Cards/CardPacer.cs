namespace QwenTts.Devices.Cards;

/// <summary>
/// Makes an emulated card behave like a card of a given throughput: frames are released at most at
/// <c>framesPerSecond</c>, shared by every utterance on the card (processor sharing), however fast the CPU is.
/// A batching card (<paramref name="batchStepCost"/> set) runs its n utterances in one step that costs
/// 1 + cost x (n - 1) times a lone one's, so it gives n / (1 + cost x (n - 1)) times the rate in all: 0 is a step that
/// costs the same for any n, 1 is today's turn-taking. A card can be slowed down or stalled, as real cards are (thermal
/// limits, kernel time-outs), to test routing.
/// </summary>
public sealed class CardPacer(double framesPerSecond, TimeProvider clock, double? batchStepCost = null)
{
    private readonly Lock _gate = new();
    private readonly double _secondsPerFrame = 1.0 / framesPerSecond;
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private double _slowdown = 1;
    private TimeSpan _stalled; // all stall time so far: a frame reserved before a stall is released that much later too
    private int _running;

    /// <summary>How much more a step of n utterances costs than a lone one's, per extra utterance; null: no batching.</summary>
    public double? BatchStepCost { get; } = batchStepCost is < 0
        ? throw new ArgumentOutOfRangeException(nameof(batchStepCost), batchStepCost, "Devices:EmulatedBatchStepCost is 0 (a step costs the same for any number of rows) or more.")
        : batchStepCost;

    /// <summary>The card's rate in all with <paramref name="running"/> utterances running, when well.</summary>
    public double RateWith(int running) => FramesPerSecond * Speedup(running);

    private double Speedup(int running) =>
        BatchStepCost is { } cost && running > 1 ? running / (1 + (cost * (running - 1))) : 1;

    /// <summary>An utterance starts on the card (dispose the result when it ends): a batching card's rate follows how many run.</summary>
    public IDisposable Running()
    {
        lock (_gate)
        {
            _running++;
        }

        return new Leaving(this);
    }

    private sealed class Leaving(CardPacer pacer) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                lock (pacer._gate)
                {
                    pacer._running--;
                }
            }
        }
    }

    /// <summary>The profile's rate, the card's speed when it is well.</summary>
    public double FramesPerSecond { get; } = framesPerSecond;

    /// <summary>
    /// What replaying one frame of a resumed utterance costs, in generated frames: its talker step, without the 15 code
    /// predictor steps. Measured by `Benchmarks resume` inside ONNX Runtime on the CPU: 0.51 on the proportional
    /// miniature (whose talker, like the real 1.7B one, outweighs the predictor), 0.18 on the tiny one; the larger is
    /// used, as the real talker step dominates a frame at batch 1 on any card.
    /// </summary>
    public const double ReplayedFrameCost = 0.5;

    /// <summary>The pacer's clock, to tell <see cref="ReserveAsync"/> when the work on a chunk began.</summary>
    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>
    /// Waits until the card would have produced <paramref name="frames"/> more frames, computed since
    /// <paramref name="computingSince"/> (now when not given). A real card's time for a chunk includes computing it, so
    /// the CPU's time on a chunk counts towards the card's pace when the card had nothing else under way: otherwise
    /// every gap between one stream's chunks would cost an idle card the CPU's time on top of the paced time.
    /// </summary>
    public async Task ReserveAsync(double frames, CancellationToken cancellationToken, DateTimeOffset? computingSince = null)
    {
        DateTimeOffset due;
        TimeSpan stalledBefore;
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            var since = computingSince is { } at && at < now ? at : now;
            var start = _next > since ? _next : since;
            _next = start + TimeSpan.FromSeconds(frames * _secondsPerFrame * _slowdown / Speedup(_running));
            (due, stalledBefore) = (_next, _stalled);
        }

        while (due - clock.GetUtcNow() is var wait && wait > TimeSpan.Zero)
        {
            // Off the caller's scheduler (a grain's): the wait must not cost the card's grain a turn.
            await Task.Delay(wait, clock, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                // A stall that began while these frames were under way holds them back too: a stalled card sends nothing.
                (due, stalledBefore) = (due + (_stalled - stalledBefore), _stalled);
            }
        }
    }

    /// <summary>Runs at 1/<paramref name="factor"/> of the profile's rate from now on (1 restores it).</summary>
    public void SlowDown(double factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        lock (_gate)
        {
            _slowdown = factor;
        }
    }

    /// <summary>Produces nothing for <paramref name="duration"/>: every frame not yet released waits that much longer.</summary>
    public void Stall(TimeSpan duration)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            _next = (_next > now ? _next : now) + duration;
            _stalled += duration;
        }
    }
}
