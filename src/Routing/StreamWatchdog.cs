using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Routing;

/// <summary>
/// Watches one card's stream so a dead card is noticed promptly rather than when TCP gives up: the card left the card
/// table (its silo was declared dead, or it stopped reporting), it did not admit the job in time, or, once audio flows,
/// no audio came for longer than a bound from the card's frame time (<see cref="RoutingOptions.StallFrames"/> frames at
/// its per-utterance rate with every slot busy, at least <see cref="RoutingOptions.StallMinimum"/>), or the card reports
/// itself stalled (it knows its chunk size and its own progress, so it can tell sooner).
/// </summary>
internal sealed class StreamWatchdog(DeviceRouter router, DeviceId device, RoutingOptions options, TimeProvider clock)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private DateTimeOffset _lastHeard = clock.GetUtcNow();
    private bool _admitted;
    private bool _audio;

    public void Heard(bool admitted, bool audio)
    {
        _lastHeard = clock.GetUtcNow();
        _admitted |= admitted || audio;
        _audio |= audio;
    }

    /// <summary>
    /// Null when <paramref name="next"/> completed; otherwise why the stream leaves the card: it counts as failed, or
    /// <paramref name="moveTo"/> (asked every poll while the card is silent) found a card to continue it.
    /// </summary>
    public async Task<Interruption?> WaitAsync(Task next, Func<DeviceRouter.Ticket?>? moveTo = null)
    {
        while (true)
        {
            if (await Task.WhenAny(next, Task.Delay(Poll, clock)) == next || next.IsCompleted)
            {
                return null; // an event that came in the meantime is never thrown away
            }

            if (Reason() is { } reason)
            {
                return new Interruption(reason, null);
            }

            if (moveTo?.Invoke() is { } ticket)
            {
                return new Interruption(null, ticket);
            }
        }
    }

    /// <param name="Dead">The card counts as failed, and why.</param>
    /// <param name="MoveTo">The card is well but fell behind playback: this card continues the stream.</param>
    public readonly record struct Interruption(CardUnresponsiveException? Dead, DeviceRouter.Ticket? MoveTo);

    private CardUnresponsiveException? Reason()
    {
        var card = router.Devices.FirstOrDefault(d => d.Device == device);
        if (card is null)
        {
            return new($"card {device} left the card table (its silo was declared dead or stopped reporting)", siloGone: true);
        }

        var silent = clock.GetUtcNow() - _lastHeard;
        if (card.Stalled && _admitted)
        {
            // The card itself says it has produced nothing for longer than its own bound (chunk size over its rate).
            return new($"card {device} reports itself stalled (no audio from it for {silent.TotalSeconds:0.#} s here)", siloGone: false);
        }

        if (!_admitted && silent > options.StallMinimum)
        {
            return new($"card {device} did not admit the job within {options.StallMinimum.TotalSeconds:0.#} s", siloGone: false);
        }

        if (_audio)
        {
            // The card's throughput is shared by its utterances: assume every slot busy, so a busy card is not a stalled one.
            var perUtterance = Math.Max(card.FramesPerSecond, 1e-3) / Math.Max(1, Math.Max(card.Active, card.MaxConcurrent));
            var bound = TimeSpan.FromSeconds(Math.Max(options.StallMinimum.TotalSeconds, options.StallFrames / perUtterance));
            if (silent > bound)
            {
                return new($"card {device} stalled: no audio for {silent.TotalSeconds:0.#} s (bound {bound.TotalSeconds:0.#} s)", siloGone: false);
            }
        }

        return null;
    }
}
