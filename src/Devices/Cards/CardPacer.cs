namespace QwenTts.Devices.Cards;

/// <summary>
/// Makes an emulated card behave like a card of a given throughput, however fast the CPU is: every utterance running
/// on it makes frames at the same rate at every moment, its share of the card's (processor sharing). A card that takes
/// turns shares <c>framesPerSecond</c> among its n utterances; a batching card (<paramref name="batchStepCost"/> set) runs
/// them in one step that costs 1 + cost x (n - 1) times a lone one's, so each makes framesPerSecond / (1 + cost x (n - 1)):
/// 0 is a step that costs the same for any n, 1 is today's turn-taking. A stream that joins a busy card makes its first
/// frames at the card's rate at once, as a new row of a batch does at the next step, not behind the frames the others
/// have asked for. A card can be slowed down or stalled, as real cards are (thermal limits, kernel time-outs), to test
/// routing.
/// </summary>
/// <remarks>
/// One clock for the card: how many frames each utterance has been able to make so far (it runs at the per-utterance
/// rate of the moment, and not at all while stalled). An utterance's chunk is due when that clock reaches the frames the
/// utterance has asked for, so a rate that changes (one more utterance, a slowdown, a stall) re-times every chunk under way.
/// </remarks>
public sealed class CardPacer(double framesPerSecond, TimeProvider clock, double? batchStepCost = null)
{
    private readonly double _checkedRate = double.IsFinite(framesPerSecond) && framesPerSecond > 0
        ? framesPerSecond
        : throw new ArgumentOutOfRangeException(nameof(framesPerSecond), framesPerSecond, "An emulated card makes a positive number of frames a second.");

    private readonly Lock _gate = new();
    private double _made;                     // frames each utterance could have made by _at
    private DateTimeOffset _at = clock.GetUtcNow();
    private DateTimeOffset _stallStart = DateTimeOffset.MinValue;
    private DateTimeOffset _stalledUntil = DateTimeOffset.MinValue;
    private double _slowdown = 1;
    private int _running;
    private double _framesMade;               // frames made by every utterance so far, as the clock made them
    private readonly List<Making> _making = []; // chunks under way whose frames count as made
    private CancellationTokenSource _changed = new(); // cancelled (and replaced) when the rate changes: chunks under way re-time

    /// <summary>How much more a step of n utterances costs than a lone one's, per extra utterance; null: no batching.</summary>
    public double? BatchStepCost { get; } = batchStepCost is < 0 or double.NaN or double.PositiveInfinity
        ? throw new ArgumentOutOfRangeException(nameof(batchStepCost), batchStepCost, "Devices:EmulatedBatchStepCost is 0 (a step costs the same for any number of rows) or more.")
        : batchStepCost;

    /// <summary>The profile's rate, the card's speed when it is well.</summary>
    public double FramesPerSecond => _checkedRate;

    /// <summary>The card's rate in all with <paramref name="running"/> utterances running, when well.</summary>
    public double RateWith(int running) => FramesPerSecond * Speedup(running);

    private double Speedup(int running) =>
        BatchStepCost is { } cost && running > 1 ? running / (1 + (cost * (running - 1))) : 1;

    /// <summary>What each running utterance makes a second now (one alone makes the card's rate).</summary>
    private double EachRate => RateWith(Math.Max(1, _running)) / Math.Max(1, _running) / _slowdown;

    /// <summary>
    /// What replaying one frame of a resumed utterance costs, in generated frames: its talker step, without the 15 code
    /// predictor steps. Measured by `Benchmarks resume` inside ONNX Runtime on the CPU: 0.51 on the proportional
    /// miniature (whose talker, like the real 1.7B one, outweighs the predictor), 0.18 on the tiny one; the larger is
    /// used, as the real talker step dominates a frame at batch 1 on any card.
    /// </summary>
    public const double ReplayedFrameCost = 0.5;

    /// <summary>
    /// Frames the card has made so far, all utterances together, frame by frame as its clock makes them (a chunk's frames
    /// count as they are made, not when the chunk is due), leaving out the replay of a resumed stream's known frames.
    /// </summary>
    public double FramesMade
    {
        get
        {
            lock (_gate)
            {
                Advance(clock.GetUtcNow());
                return _framesMade;
            }
        }
    }

    /// <summary>The pacer's clock, to tell <see cref="Utterance.ReserveAsync"/> when the work on a chunk began.</summary>
    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>An utterance starts on the card (dispose it when it ends): every utterance's rate follows how many run.</summary>
    public Utterance Running()
    {
        Change(() => _running++);
        return new Utterance(this);
    }

    /// <summary>Runs at 1/<paramref name="factor"/> of the profile's rate from now on (1 restores it).</summary>
    public void SlowDown(double factor)
    {
        if (!double.IsFinite(factor) || factor < 1.0)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "A card slows down by a finite factor of 1 or more.");
        }

        Change(() => _slowdown = factor);
    }

    /// <summary>Produces nothing for <paramref name="duration"/>: every frame not yet made waits that much longer.</summary>
    public void Stall(TimeSpan duration) => Change(() =>
    {
        var now = _at;
        if (_stalledUntil > now)
        {
            _stalledUntil += duration;
        }
        else
        {
            (_stallStart, _stalledUntil) = (now, now + duration);
        }
    });

    /// <summary>Brings the card's clock to now, changes the rate, and wakes every chunk under way to re-time itself.</summary>
    private void Change(Action change)
    {
        CancellationTokenSource changed;
        lock (_gate)
        {
            Advance(clock.GetUtcNow());
            change();
            (changed, _changed) = (_changed, new CancellationTokenSource());
        }

        changed.Cancel(); // not disposed: a waiter may be linking to its token right now
    }

    /// <summary>The frames each utterance could make from <see cref="_at"/> to <paramref name="now"/>, at the rate of the moment, none while stalled.</summary>
    private void Advance(DateTimeOffset now)
    {
        if (now <= _at)
        {
            return;
        }

        var stalled = Overlap(_at, now, _stallStart, _stalledUntil);
        var made = _made + (((now - _at) - stalled).TotalSeconds * EachRate);
        foreach (var chunk in _making)
        {
            _framesMade += Math.Max(0, Math.Min(made, chunk.Due) - Math.Max(_made, chunk.From));
        }

        (_made, _at) = (made, now);
    }

    private static TimeSpan Overlap(DateTimeOffset from, DateTimeOffset to, DateTimeOffset start, DateTimeOffset end)
    {
        var (a, b) = (from > start ? from : start, to < end ? to : end);
        return b > a ? b - a : TimeSpan.Zero;
    }

    private async Task ReserveAsync(Utterance utterance, double frames, CancellationToken cancellationToken, DateTimeOffset? computingSince, bool counts)
    {
        double due;
        Making? making = null;
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            Advance(now);
            // A chunk's time includes computing it: the CPU's time on it counts when the utterance had nothing under way
            // (otherwise every gap between a stream's chunks would cost it the CPU's time on top of the paced time).
            var computing = computingSince is { } since && since < now
                ? ((now - since) - Overlap(since, now, _stallStart, _stalledUntil)).TotalSeconds * EachRate // at the rate of now: near enough for a chunk's compute
                : 0;
            var from = Math.Max(utterance.Asked, _made - computing);
            due = utterance.Asked = from + frames;
            if (counts)
            {
                // What the chunk's computing already made counts now; the rest as the clock makes it.
                _framesMade += Math.Min(frames, Math.Max(0, _made - from));
                making = new Making(Math.Max(from, _made), due);
                _making.Add(making);
            }
        }

        try
        {
            await WaitForAsync(due, cancellationToken);
        }
        finally
        {
            if (making is not null)
            {
                lock (_gate)
                {
                    Advance(clock.GetUtcNow());
                    _making.Remove(making);
                }
            }
        }
    }

    /// <summary>A chunk under way (one object each, removed by reference): its frames are made as the card's clock goes from <c>From</c> to <c>Due</c>.</summary>
    private sealed class Making(double from, double due)
    {
        public double From { get; } = from;

        public double Due { get; } = due;
    }

    private async Task WaitForAsync(double due, CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            CancellationToken changed;
            lock (_gate)
            {
                var now = clock.GetUtcNow();
                Advance(now);
                if (_made >= due - 1e-9)
                {
                    return;
                }

                var stallLeft = _stalledUntil > now ? _stalledUntil - now : TimeSpan.Zero;
                wait = WholeMilliseconds(stallLeft + TimeSpan.FromSeconds((due - _made) / EachRate));
                changed = _changed.Token;
            }

            using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, changed);
            try
            {
                // Off the caller's scheduler (a grain's): the wait must not cost the card's grain a turn.
                await Task.Delay(wait, clock, either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The rate changed: re-time from the card's clock.
            }
        }
    }

    /// <summary>
    /// A wait rounded up to whole milliseconds (a delay rounds down: a wake short of its frames would spin until they are
    /// made), at most an hour (the loop re-checks).
    /// </summary>
    private static TimeSpan WholeMilliseconds(TimeSpan wait) =>
        TimeSpan.FromMilliseconds(Math.Clamp(Math.Ceiling(wait.TotalMilliseconds - 1e-6), 1, 3_600_000));

    private void Leave() => Change(() => _running--);

    /// <summary>One utterance on the card: its chunks are paced by the card's clock; dispose it when the utterance ends.</summary>
    public sealed class Utterance : IDisposable
    {
        private readonly CardPacer _pacer;
        private int _done;

        internal Utterance(CardPacer pacer) => _pacer = pacer;

        /// <summary>The card's clock value by which this utterance has made every frame it asked for.</summary>
        internal double Asked { get; set; }

        /// <summary>
        /// Waits until this utterance would have made <paramref name="frames"/> more frames on the card, computed since
        /// <paramref name="computingSince"/> (now when not given; it counts only when the utterance had nothing under way).
        /// </summary>
        /// <param name="counts">False for work that makes no new frames (replaying a resumed stream's): not in <see cref="FramesMade"/>.</param>
        public Task ReserveAsync(double frames, CancellationToken cancellationToken, DateTimeOffset? computingSince = null, bool counts = true) =>
            _pacer.ReserveAsync(this, frames, cancellationToken, computingSince, counts);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _pacer.Leave();
            }
        }
    }
}
