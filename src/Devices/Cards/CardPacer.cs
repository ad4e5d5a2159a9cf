namespace QwenTts.Devices.Cards;

/// <summary>
/// Makes an emulated card behave like a card of a given throughput: frames are released at most at
/// <c>framesPerSecond</c>, shared by every utterance on the card (processor sharing), however fast the CPU is.
/// A card can be slowed down or stalled, as real cards are (thermal limits, kernel time-outs), to test routing.
/// </summary>
public sealed class CardPacer(double framesPerSecond, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly double _secondsPerFrame = 1.0 / framesPerSecond;
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private double _slowdown = 1;
    private TimeSpan _stalled; // all stall time so far: a frame reserved before a stall is released that much later too

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
            _next = start + TimeSpan.FromSeconds(frames * _secondsPerFrame * _slowdown);
            (due, stalledBefore) = (_next, _stalled);
        }

        while (due - clock.GetUtcNow() is var wait && wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, clock, cancellationToken);
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
