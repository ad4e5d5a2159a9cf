namespace QwenTts.Routing;

/// <summary>
/// Where a listener playing one segment's stream would be, and whether the card making it keeps ahead. The listener is
/// taken to start <see cref="RoutingOptions.AssumedPlayerBuffer"/> after the first audio and then play 12.5 frames a
/// second. A card has fallen behind when it makes this stream's audio slower than a share of real time (behindBelow): it
/// made its last piece that slowly and its next piece would come after the listener runs dry, or it has been silent
/// longer than that pace allows for its next piece (its pace now is unknown, only that slow or slower).
/// </summary>
/// <remarks>
/// A card's pace counts only the time spent waiting for it (<see cref="BeginWait"/>, <see cref="EndWait"/>), not the time
/// the caller took to take each piece: a listener that reads slowly is not a card that is slow.
/// </remarks>
/// <remarks>
/// Pieces grow (4, 12, 24, ... frames, at most doubling) up to the card's largest, so the next one is taken to be twice
/// the last until two pieces in a row were the same size, then that size; never more than what is left. A card judged by
/// it is judged no slower than it is. One piece is no pace: a card is judged from its second piece on.
/// </remarks>
/// <param name="behindBelow">The share of real time below which the card counts as behind (1: any slower than real time).</param>
internal sealed class PlaybackTracker(TimeSpan playerBuffer, double expectedFrames, double behindBelow = 1.0)
{
    private const double PlaybackFramesPerSecond = Grains.Interfaces.Synthesis.Playback.FramesPerSecond;

    private DateTimeOffset? _firstAudioAt;
    private double _delivered;
    private double _lastFrames;
    private double _previousFrames;
    private TimeSpan _lastInterval;
    private int _piecesHere;
    private TimeSpan _waitedSincePiece;
    private DateTimeOffset? _waitingSince;

    /// <summary>Frames the caller has.</summary>
    public double DeliveredFrames => _delivered;

    /// <summary>The frames of the segment's first piece: what a card that resumes it sends first.</summary>
    public double FirstPieceFrames { get; private set; }

    /// <summary>When the listener will have played everything it has; null before any audio.</summary>
    public DateTimeOffset? RunsDryAt => _firstAudioAt + playerBuffer + TimeSpan.FromSeconds(_delivered / PlaybackFramesPerSecond);

    /// <summary>
    /// Frames still to come, by the segment's estimate; at least a piece like the last, since the stream has not ended
    /// (an estimate can fall short, and a stream past it is not about to end).
    /// </summary>
    public double RemainingFrames => Math.Max(Math.Max(1, _lastFrames), expectedFrames - _delivered);

    /// <summary>Another card takes over: its pace is its own.</summary>
    public void NewCard()
    {
        _piecesHere = 0;
        _waitedSincePiece = TimeSpan.Zero;
        _waitingSince = null;
    }

    /// <summary>The caller starts waiting for the card's next event.</summary>
    public void BeginWait(DateTimeOffset now) => _waitingSince = now;

    /// <summary>The card's next event came (or the wait ended otherwise).</summary>
    public void EndWait(DateTimeOffset now)
    {
        if (_waitingSince is { } since)
        {
            _waitedSincePiece += now - since;
            _waitingSince = null;
        }
    }

    /// <summary>Time spent waiting for the card since its last piece, the wait under way included.</summary>
    private TimeSpan Silent(DateTimeOffset now) => _waitedSincePiece + (_waitingSince is { } since ? now - since : TimeSpan.Zero);

    /// <summary>A piece of <paramref name="frames"/> went to the caller at <paramref name="at"/>.</summary>
    public void Audio(DateTimeOffset at, double frames)
    {
        if (_firstAudioAt is null)
        {
            _firstAudioAt = at;
            FirstPieceFrames = frames;
        }

        if (_piecesHere > 0)
        {
            _lastInterval = _waitedSincePiece;
        }

        _waitedSincePiece = TimeSpan.Zero;
        _delivered += frames;
        _previousFrames = _piecesHere > 0 ? _lastFrames : 0;
        _lastFrames = frames;
        _piecesHere++;
    }

    /// <summary>Null while the card keeps ahead of the listener, or its pace is not known yet.</summary>
    /// <param name="reportedPace">
    /// What the card's own report gives each of its streams now (its rate with that many running, over their number), if
    /// known: a card that slowed down says so within a couple of its pieces, before this stream's next large piece shows it.
    /// </param>
    public Lag? Behind(DateTimeOffset now, double? reportedPace = null)
    {
        if (_piecesHere < 2 || _lastInterval <= TimeSpan.Zero || RunsDryAt is not { } dry)
        {
            return null;
        }

        var next = Math.Min(_lastFrames == _previousFrames ? _lastFrames : 2 * _lastFrames, RemainingFrames);
        var silent = Silent(now).TotalSeconds;
        var slow = PlaybackFramesPerSecond * behindBelow;
        if (silent > next / slow)
        {
            return new Lag(null, next / silent, dry);
        }

        var pace = Math.Max(1e-3, Math.Min(_lastFrames / _lastInterval.TotalSeconds, reportedPace ?? double.PositiveInfinity));
        var due = now + TimeSpan.FromSeconds(Math.Max(0, (next / pace) - silent));
        return pace < slow && due > dry ? new Lag(due, pace, dry) : null;
    }

    /// <param name="NextPieceDue">When the card would send its next piece at its pace; null when it is already later than
    /// the slowest pace allowed (behindBelow x real time) would be (how much later it will be is unknown).</param>
    /// <param name="FramesPerSecond">The card's pace for this stream now (at most this), below the slowest allowed.</param>
    /// <param name="RunsDryAt">When the listener will have played everything it has.</param>
    public readonly record struct Lag(DateTimeOffset? NextPieceDue, double FramesPerSecond, DateTimeOffset RunsDryAt);
}
