namespace QwenTts.Devices.Cards;

/// <summary>
/// What a card gives with n utterances running, for each n, relative to its overall measured rate: frames per second
/// in all over the busy time during which exactly n ran, divided by the overall rate (<paramref name="overall"/>, the
/// throughput meter's, which follows a slowdown or a stall within a second or two). A batching card's steps cost little
/// more for 8 rows than for 1, so its rate grows with n. (An unbatched card's would stay about flat, its utterances
/// taking turns, but its rate with one running reads low, the gaps while that stream waits on its listener counting as
/// busy time; so only batching cards report the table, and routing sees the others as before.) Kept as ratios, the table is a property of the
/// card's hardware and batching, and the overall rate says how well the card does now. The router reads it to tell when
/// a newcomer would finish beside what runs (<c>DeviceLoad.RateWith</c>). Frames count for the n in force when they are
/// made: the card's owner counts them frame by frame as the engine makes them, and before every change of n. (Counted as
/// audio left, a chunk at a time, a chunk made while n ran counted for the n in force when it left, and the table read
/// up to twice the rate at some sizes: the card then ran more streams than it keeps ahead of playback.) 0: not measured
/// yet at that size.
/// </summary>
public sealed class BatchRates(int capacity, TimeProvider clock, Func<double> overall)
{
    private const double WindowSeconds = 0.5;

    /// <summary>Busy time with nothing made for this long is a stall or a long prefill, not a rate: it is dropped.</summary>
    private const double SilentSeconds = 2;
    private const double Smoothing = 0.5;

    private readonly double[] _rates = new double[Math.Max(1, capacity)];
    private readonly double[] _frames = new double[Math.Max(1, capacity)];
    private readonly double[] _seconds = new double[Math.Max(1, capacity)];
    private int _running;
    private long _since = clock.GetTimestamp();

    /// <summary>How many run from now on (at each start and end).</summary>
    public void Running(int running)
    {
        Close();
        _running = running;
    }

    public void Produced(double frames)
    {
        if (_running >= 1 && _running <= _frames.Length)
        {
            _frames[_running - 1] += frames;
        }
    }

    /// <summary>The rate with n running over the overall rate (index n - 1), 0 where not measured.</summary>
    public double[] Snapshot()
    {
        Close();
        return [.. _rates];
    }

    /// <summary>Adds the time since the last change to the size in force; a window of half a second or more is a sample.</summary>
    private void Close()
    {
        var now = clock.GetTimestamp();
        var seconds = (now - _since) / (double)clock.TimestampFrequency;
        _since = now;
        if (_running < 1 || _running > _seconds.Length)
        {
            return;
        }

        var i = _running - 1;
        _seconds[i] += seconds;
        if (_frames[i] <= 0)
        {
            if (_seconds[i] > SilentSeconds)
            {
                _seconds[i] = 0; // a stall would otherwise be averaged into the first sample after it, for good
            }

            return;
        }

        if (_seconds[i] < WindowSeconds)
        {
            return;
        }

        var ratio = _frames[i] / _seconds[i] / Math.Max(overall(), 1e-3);
        _rates[i] = _rates[i] <= 0 ? ratio : (Smoothing * ratio) + ((1 - Smoothing) * _rates[i]);
        (_frames[i], _seconds[i]) = (0, 0);
    }
}
