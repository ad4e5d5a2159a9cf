using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Cards;

/// <summary>
/// What a card measures of itself: its rate while busy (<see cref="ThroughputMeter"/>), on a batching card its rate with
/// n running (<see cref="BatchRates"/>), and from them how many utterances it runs at once (<see cref="PlaybackAdmission"/>).
/// Both count the frames the engine has made, read before every change of what runs, every sample and every read, so
/// frames count for the n that made them.
/// </summary>
/// <remarks>
/// Counted as audio left, a chunk at a time (4, 12, then up to 96 frames), a half-second sample read a steady card at
/// up to twice its rate or at none, and the rate with n running took chunks made while fewer ran. On the emulated rack a
/// batching card then ran 5 to 7 streams where 3 keep ahead of playback, and its streams fell behind their listeners.
/// </remarks>
public sealed class CardMeters
{
    private readonly Func<double> _framesMade;
    private readonly BatchRates _byBatch;
    private readonly double _playbackHeadroom;
    private readonly bool _batches;
    private double _counted; // of the frames made, those the meters have seen
    private int _running;

    /// <param name="framesMade">The frames the card's engine has made so far (<c>CardEngine.FramesMade</c>).</param>
    /// <param name="sizes">The most utterances the card may run at once, its resume headroom included: the sizes measured.</param>
    /// <param name="playbackHeadroom">How far ahead of real time a batching card makes each stream (<c>CardEngine.PlaybackHeadroom</c>).</param>
    /// <param name="batches">Its utterances share batched steps, so its rate depends on how many run.</param>
    public CardMeters(Func<double> framesMade, double initialFramesPerSecond, int sizes, double playbackHeadroom, bool batches, TimeProvider clock)
    {
        _framesMade = framesMade;
        _counted = framesMade(); // the engine's count lasts as long as the silo; a grain activated again starts from here
        _playbackHeadroom = playbackHeadroom;
        _batches = batches;
        Throughput = new ThroughputMeter(initialFramesPerSecond, clock);
        _byBatch = new BatchRates(sizes, clock, () => Throughput.WorkingFramesPerSecond);
    }

    public ThroughputMeter Throughput { get; }

    /// <summary>The measured rate (halved while a stall lasts).</summary>
    public double FramesPerSecond => Throughput.FramesPerSecond;

    /// <summary>How many run from now on (at each start and end); the card is busy while any do.</summary>
    public void Running(int running)
    {
        Count();
        _running = running;
        _byBatch.Running(running);
        Throughput.Busy(running > 0);
    }

    /// <summary>Closes the throughput sample at the last frame made (see <see cref="ThroughputMeter.Sample"/>).</summary>
    public void Sample()
    {
        Count();
        Throughput.Sample();
    }

    /// <summary>The batching card's rate with n running over its overall rate (index n - 1, 0 where not measured); empty on a card that takes turns.</summary>
    public double[] RatesByBatch()
    {
        if (!_batches)
        {
            return [];
        }

        Count();
        return _byBatch.Snapshot();
    }

    /// <summary>
    /// Utterances the card runs at once: all of <paramref name="slots"/>, or on a batching card as many as its measured
    /// rates keep ahead of playback.
    /// </summary>
    public int RunnableAtOnce(int slots)
    {
        if (!_batches)
        {
            return slots;
        }

        var ratios = RatesByBatch();
        var rate = Throughput.WorkingFramesPerSecond;
        return PlaybackAdmission.RunnableAtOnce(slots, n => DeviceLoad.MeasuredRate(ratios, rate, n), _playbackHeadroom, assumed: rate);
    }

    /// <summary>
    /// The frames made since the last look go to both meters; while nothing of the card's runs they are dropped (the
    /// last frames of an utterance cancelled after it ended; the card's probes are not counted at all).
    /// </summary>
    private void Count()
    {
        var made = _framesMade();
        var frames = made - _counted;
        _counted = made;
        if (frames > 0 && _running > 0)
        {
            Throughput.Produced(frames);
            _byBatch.Produced(frames);
        }
    }
}
