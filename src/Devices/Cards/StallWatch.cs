namespace QwenTts.Devices.Cards;

/// <summary>
/// Whether a card has stalled: it owes audio to some stream (one waits on the engine for its next piece, not on its
/// listener to take the last) and none came for longer than its bound. Streams whose listeners have not taken their last
/// piece owe nothing: a frontend killed mid-stream leaves its streams unread until Orleans drops them (about 10 s), and
/// that must not take every card it used out of rotation. A stall, once noticed, lasts until audio flows on the card
/// again: a card emptied by its stall (its streams gone to other cards, its queue handed back) takes nothing new until a
/// probe utterance comes out of it, or what it took would be caught by the same stall. While it lasts the card's
/// advertised rate halves every second, so routing turns away at once.
/// </summary>
/// <param name="bound">How long the card may go without audio while it owes some.</param>
public sealed class StallWatch(TimeProvider clock, ThroughputMeter throughput, Func<TimeSpan> bound)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private DateTimeOffset _lastProgress;
    private int _owed;
    private DateTimeOffset? _noticed;
    private bool _probing;
    private DateTimeOffset _probeFailedAt = DateTimeOffset.MinValue;

    /// <summary>How long since audio last came out of the card (or since a stream began to wait on it).</summary>
    public TimeSpan Silence => clock.GetUtcNow() - _lastProgress;

    /// <summary>Owing audio, and none for longer than the bound.</summary>
    public bool Detected => _owed > 0 && Silence > bound();

    /// <summary>Detected, or noticed and not yet over.</summary>
    public bool Stalled => Detected || _noticed is not null;

    /// <summary>A stream starts waiting on the engine for its next piece.</summary>
    public void Owing()
    {
        if (_owed++ == 0)
        {
            _lastProgress = clock.GetUtcNow();
        }
    }

    /// <summary>That stream stopped waiting (its piece came, it ended, or it failed).</summary>
    public void Paid() => _owed--;

    /// <summary>
    /// Audio came out. Call it after the card's meters counted the frames: the piece that ends a stall was made partly
    /// before it, and must not count as made in no time. True when it ended a stall (the rate is the one before it again).
    /// </summary>
    public bool Progressed()
    {
        _lastProgress = clock.GetUtcNow();
        if (_noticed is null)
        {
            return false;
        }

        _noticed = null;
        throughput.Recovered();
        return true;
    }

    /// <summary>
    /// On the card's tick while <see cref="Detected"/>: halves the card's rate, at once and then once a second while the
    /// stall lasts; true for the first notice (the one to log).
    /// </summary>
    public bool Notice()
    {
        var first = _noticed is null;
        if (!first && clock.GetUtcNow() - _noticed < Interval)
        {
            return false;
        }

        _noticed = clock.GetUtcNow();
        throughput.Stalled();
        return first;
    }

    /// <summary>
    /// A noticed stall with nothing left streaming: time for a probe utterance (one at a time, a second after a failed
    /// one). Its first audio is <see cref="Progressed"/>; it ends with <see cref="ProbeEnded"/>.
    /// </summary>
    public bool TryStartProbe(int streaming)
    {
        if (_noticed is null || streaming > 0 || _probing || clock.GetUtcNow() - _probeFailedAt < Interval)
        {
            return false;
        }

        _probing = true;
        return true;
    }

    /// <summary>The probe failed while the stall lasts: the next waits a second.</summary>
    public bool ProbeFailed()
    {
        if (_noticed is null)
        {
            return false;
        }

        _probeFailedAt = clock.GetUtcNow();
        return true;
    }

    public void ProbeEnded() => _probing = false;
}
