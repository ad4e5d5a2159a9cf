namespace QwenTts.Devices.Cards;

/// <summary>
/// Makes an emulated card behave like a card of a given throughput: frames are released at most at
/// <c>framesPerSecond</c>, shared by every utterance on the card (processor sharing), however fast the CPU is.
/// </summary>
public sealed class CardPacer(double framesPerSecond, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private readonly double _secondsPerFrame = 1.0 / framesPerSecond;
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public double FramesPerSecond { get; } = framesPerSecond;

    /// <summary>Waits until the card would have produced <paramref name="frames"/> more frames.</summary>
    public Task ReserveAsync(int frames, CancellationToken cancellationToken)
    {
        DateTimeOffset due;
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            var start = _next > now ? _next : now;
            _next = start + TimeSpan.FromSeconds(frames * _secondsPerFrame);
            due = _next;
        }

        var wait = due - clock.GetUtcNow();
        return wait > TimeSpan.Zero ? Task.Delay(wait, clock, cancellationToken) : Task.CompletedTask;
    }
}
