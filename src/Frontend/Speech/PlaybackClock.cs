using System.Diagnostics;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// Whether a stream keeps ahead of its listener: a client that starts playing the first audio it gets, at real time,
/// has played everything sent so far by <c>played-until</c>; a chunk that comes later than that arrived after silence
/// (an underrun), and playback resumes with it. Counts the silence; the trace gets an event per underrun, on
/// <paramref name="span"/> (the request's current span when none is given).
/// </summary>
public sealed class PlaybackClock(int sampleRate, Activity? span = null, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _playedUntil; // timestamp at which all audio sent so far has been played
    private bool _started;

    /// <summary>Underruns so far.</summary>
    public int Underruns { get; private set; }

    /// <summary>Silence heard so far, in seconds.</summary>
    public double SilenceSeconds { get; private set; }

    /// <summary>A chunk of <paramref name="samples"/> goes out now.</summary>
    public void Sent(int samples)
    {
        if (samples <= 0)
        {
            return;
        }

        var now = _clock.GetTimestamp();
        var duration = (long)(samples / (double)sampleRate * _clock.TimestampFrequency);
        if (!_started)
        {
            _started = true;
            _playedUntil = now + duration;
            return;
        }

        if (now > _playedUntil)
        {
            var silence = _clock.GetElapsedTime(_playedUntil, now).TotalSeconds;
            Underruns++;
            SilenceSeconds += silence;
            (span ?? Activity.Current)?.AddEvent(new ActivityEvent("qwentts.underrun",
                tags: new ActivityTagsCollection { ["qwentts.underrun.silence_s"] = Math.Round(silence, 3) }));
            _playedUntil = now;
        }

        _playedUntil += duration;
    }
}
