namespace QwenTts.Devices.Cards;

/// <summary>
/// Frames per second of a card while it is busy, as a moving average: each sample is the frames produced over the
/// busy time of one interval (time with at least one utterance running), so idle time does not dilute it. A stalled
/// card's owner halves the rate while the stall lasts and restores it when audio flows again.
/// </summary>
public sealed class ThroughputMeter(double initialFramesPerSecond, TimeProvider clock)
{
    private const double Smoothing = 0.3;

    private long _busyTicks;
    private long? _busySince;
    private int _frames;
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

    public void Produced(int frames) => _frames += frames;

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
            _busyTicks = 0;
            _frames = 0;
            if (_busySince is not null)
            {
                _busySince = clock.GetTimestamp();
            }
        }
    }

    /// <summary>Closes the current interval; updates the average when the card was busy long enough to tell.</summary>
    public void Sample()
    {
        var now = clock.GetTimestamp();
        var busy = _busyTicks + (_busySince is { } since ? now - since : 0);
        if (_busySince is not null)
        {
            _busySince = now;
        }

        var seconds = busy / (double)clock.TimestampFrequency;
        if (seconds >= 0.2 && _frames > 0)
        {
            FramesPerSecond = (Smoothing * (_frames / seconds)) + ((1 - Smoothing) * FramesPerSecond);
            _frames = 0;
            _busyTicks = 0;
        }
        else
        {
            _busyTicks = busy; // too little to tell yet: keep adding up
        }
    }
}
