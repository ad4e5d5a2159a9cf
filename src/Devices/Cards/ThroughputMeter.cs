namespace QwenTts.Devices.Cards;

/// <summary>
/// Frames per second of a card while it is busy, as a moving average. Each sample is the frames made over the busy
/// time (time with at least one utterance running) up to the moment the last of them was counted, so idle time does not
/// dilute it. Its owner counts frames as the engine makes them (<c>CardEngine.FramesMade</c>), not as audio leaves: a
/// card sends its frames a chunk at a time (up to 96), and a half-second window that ended between chunks read a
/// steady card as fast or slow by a whole chunk. Two samples in a row that differ from
/// the average by more than a quarter the same way, each over at least half a second, move it most of the way at once:
/// a card that slows down (thermal limits, a neighbour on the bus) is learned within a couple of seconds, before
/// routing has queued much on it. A stalled card's owner halves the rate while the stall lasts and restores it when
/// audio flows again.
/// </summary>
public sealed class ThroughputMeter(double initialFramesPerSecond, TimeProvider clock)
{
    private const double Smoothing = 0.3;
    private const double ChangeSmoothing = 0.7;

    /// <summary>A sample this many times above or below the average is a change, not noise.</summary>
    public const double ChangeRatio = 1.25;

    private const double ChangeEvidenceSeconds = 0.5;
    private const double MinimumSampleSeconds = 0.2;

    private long _busyTicks; // busy time so far, up to _busySince when busy
    private long? _busySince;
    private long _windowStart; // busy time at which the current sample began
    private long _lastOutput; // busy time at which the last frames were counted
    private double _frames;
    private int _lastChange; // -1, 0 or 1: whether the last sample read well below, near or well above the average
    private double? _beforeStall;

    public double FramesPerSecond { get; private set; } = initialFramesPerSecond;

    /// <summary>The measured rate, leaving out the halving while a stall lasts: what the card does when it works.</summary>
    public double WorkingFramesPerSecond => _beforeStall ?? FramesPerSecond;

    public void Busy(bool busy)
    {
        var now = clock.GetTimestamp();
        if (busy && _busySince is null)
        {
            _busySince = now;
        }
        else if (!busy && _busySince is { } since)
        {
            _busyTicks += now - since;
            _busySince = null;
        }
    }

    public void Produced(double frames)
    {
        if (frames > 0)
        {
            _frames += frames;
            _lastOutput = BusyTicks();
        }
    }

    /// <summary>The card is stalled (its owner decides when): halve the rate at once so routing turns away from it.</summary>
    public void Stalled()
    {
        _beforeStall ??= FramesPerSecond;
        FramesPerSecond *= 0.5;
    }

    /// <summary>
    /// Audio flows again after a stall: the rate goes back to what it was before, and the stall's busy time is not
    /// counted against the next sample (a card that stalls again is caught again; one that stays slow is measured).
    /// </summary>
    public void Recovered()
    {
        if (_beforeStall is { } rate)
        {
            FramesPerSecond = rate;
            _beforeStall = null;
            _frames = 0;
            _lastChange = 0;
            _windowStart = _lastOutput = BusyTicks();
        }
    }

    /// <summary>Closes the sample at the last frames counted; updates the average when it covers enough busy time to tell.</summary>
    public void Sample()
    {
        var seconds = (_lastOutput - _windowStart) / (double)clock.TimestampFrequency;
        if (seconds < MinimumSampleSeconds || _frames == 0 || _beforeStall is not null)
        {
            return; // too little to tell yet, or a stall's halving in force: keep adding up
        }

        var rate = _frames / seconds;
        var change = seconds < ChangeEvidenceSeconds ? 0
            : rate > FramesPerSecond * ChangeRatio ? 1
            : rate * ChangeRatio < FramesPerSecond ? -1
            : 0;
        // One sample can be unlucky (a new utterance's prefill in it, say); two in a row that agree are a change.
        var weight = change != 0 && change == _lastChange ? ChangeSmoothing : Smoothing;
        _lastChange = change;
        FramesPerSecond = (weight * rate) + ((1 - weight) * FramesPerSecond);
        _frames = 0;
        _windowStart = _lastOutput;
    }

    private long BusyTicks() => _busyTicks + (_busySince is { } since ? clock.GetTimestamp() - since : 0);
}
