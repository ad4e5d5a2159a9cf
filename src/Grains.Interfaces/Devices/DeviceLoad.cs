namespace QwenTts.Grains.Interfaces.Devices;

/// <summary>What a card reports about itself, about once a second and on every admission and completion.</summary>
[GenerateSerializer, Immutable]
public sealed record DeviceLoad
{
    [Id(0)] public required DeviceId Device { get; init; }

    [Id(1)] public required DeviceKind Kind { get; init; }

    /// <summary>Card model, e.g. "ascend-910b" or "Ascend 910B3".</summary>
    [Id(2)] public required string Model { get; init; }

    /// <summary>True for a card declared "emulate": it runs on the CPU but advertises this kind and profile.</summary>
    [Id(3)] public bool Emulated { get; init; }

    [Id(4)] public required string Provider { get; init; }

    /// <summary>Relative speed of the profile (1.0 = Ascend 910B); 1.0 for real cards.</summary>
    [Id(5)] public double RelativeSpeed { get; init; } = 1.0;

    [Id(6)] public long MemoryBytes { get; init; }

    /// <summary>Utterances being synthesised now.</summary>
    [Id(8)] public int Active { get; init; }

    /// <summary>Utterances admitted and waiting for a slot.</summary>
    [Id(9)] public int Queued { get; init; }

    [Id(10)] public int MaxConcurrent { get; init; }

    /// <summary>Most utterances that may wait; past it the card refuses work.</summary>
    [Id(11)] public int QueueLimit { get; init; }

    /// <summary>Frames still to generate for everything admitted (active remainder plus queued).</summary>
    [Id(12)] public double QueuedWorkFrames { get; init; }

    /// <summary>Frames being generated now across active utterances (their remaining frames).</summary>
    [Id(13)] public double InFlightFrames { get; init; }

    /// <summary>Measured throughput while busy: moving average of frames per second over all its utterances.</summary>
    [Id(14)] public double FramesPerSecond { get; init; }

    /// <summary>False when <see cref="Health"/> is unhealthy: the card takes no traffic.</summary>
    [Id(15)] public bool Healthy { get; init; } = true;

    /// <summary>The silo is stopping: the card finishes what it has and takes nothing new.</summary>
    [Id(16)] public bool Draining { get; init; }

    /// <summary>How many utterances this card has admitted since it started (a sequence number).</summary>
    [Id(17)] public long AdmittedTotal { get; init; }

    [Id(18)] public DateTimeOffset ReportedAt { get; init; }

    /// <summary>The card also holds the Base model, so it can derive design-then-clone voice prompts.</summary>
    [Id(19)] public bool CanClone { get; init; }

    [Id(20)] public string? LastError { get; init; }

    [Id(21)] public long CompletedTotal { get; init; }

    [Id(22)] public long FailedTotal { get; init; }

    /// <summary>The silo the device grain runs on (always its own silo: placement pins it).</summary>
    [Id(23)] public string HostSilo { get; init; } = "";

    /// <summary>Name of the model the card serves (model.json name).</summary>
    [Id(24)] public string ModelName { get; init; } = "";

    /// <summary>The card serves the project's miniature: random weights, noise rather than speech.</summary>
    [Id(25)] public bool Miniature { get; init; }

    /// <summary>Healthy, degraded (serves; something failed lately or the vendor tool warns) or unhealthy (no traffic).</summary>
    [Id(26)] public DeviceHealth Health { get; init; } = DeviceHealth.Healthy;

    /// <summary>Why the card is not healthy (the failures, the self-test, the vendor tool); null when healthy.</summary>
    [Id(27)] public string? HealthReason { get; init; }

    /// <summary>
    /// Busy without audio for longer than its stall bound: it takes nothing new, has handed back what waited, and the
    /// streams it is running continue elsewhere. It stays stalled until audio flows on it again (a probe utterance, once
    /// it has nothing else).
    /// </summary>
    [Id(28)] public bool Stalled { get; init; }

    /// <summary>Frames still to come of each running utterance: when a new one would finish depends on them.</summary>
    [Id(29)] public double[] RunningFrames { get; init; } = [];

    /// <summary>Frames of each utterance waiting for a slot (not in any particular order).</summary>
    [Id(30)] public double[] WaitingFrames { get; init; } = [];

    /// <summary>Whether the card's utterances share batched decode steps (lanes and rows), or why not.</summary>
    [Id(31)] public string Batching { get; init; } = "";

    /// <summary>
    /// The card's rate in all with n utterances running (index n - 1) over <see cref="FramesPerSecond"/>, as the card
    /// measured it: above 1 for larger n on a batching card, about 1 on one whose utterances take turns; 0 where not
    /// measured. Empty from a card that does not learn it (an older silo).
    /// </summary>
    [Id(32)] public double[] RelativeRateByBatch { get; init; } = [];

    /// <summary>
    /// Utterances the card runs at once now: <see cref="MaxConcurrent"/>, or fewer on a batching card whose larger batches
    /// would let its streams fall behind playback (the rest wait). 0 from an older silo: <see cref="MaxConcurrent"/>.
    /// </summary>
    [Id(33)] public int Runnable { get; init; }

    /// <summary>Utterances it runs at once now, for an older silo's report too (<see cref="Runnable"/>, else <see cref="MaxConcurrent"/>).</summary>
    public int RunsAtOnce => Runnable > 0 ? Runnable : MaxConcurrent;

    /// <summary>The card's rate in all with <paramref name="running"/> utterances running, as well as it does now.</summary>
    public double RateWith(int running) => MeasuredRateWith(running) ?? FramesPerSecond;

    /// <summary>As <see cref="RateWith"/>, where the card measured that size; null where it did not.</summary>
    public double? MeasuredRateWith(int running) => MeasuredRate(RelativeRateByBatch, FramesPerSecond, running);

    /// <summary>
    /// The rate with <paramref name="running"/> running from a card's table of <paramref name="ratios"/> (rate with n
    /// running over the overall rate, index n - 1; 0 where not measured) and its overall rate; null where not measured.
    /// </summary>
    public static double? MeasuredRate(IReadOnlyList<double> ratios, double framesPerSecond, int running) =>
        running >= 1 && running <= ratios.Count && ratios[running - 1] > 0 ? framesPerSecond * ratios[running - 1] : null;

    public bool HasRoom => Healthy && !Draining && !Stalled && Queued + Active < MaxConcurrent + QueueLimit;

    /// <summary>
    /// When a request of <paramref name="frames"/> would finish here, sent after <paramref name="pending"/> (requests on
    /// their way to the card): its utterances take turns, so this request shares the rate with what runs beside it
    /// (<see cref="ProcessorSharing"/>), at the rate the card measured for that many (<see cref="RateWith"/>). A card that does not report its utterances one by one (an older silo in a
    /// rolling upgrade) is taken as one queue: all its work, then this request.
    /// </summary>
    public double ExpectedCompletionSeconds(double frames, IReadOnlyCollection<double>? pending = null)
    {
        var rate = Math.Max(FramesPerSecond, 1e-3);
        pending ??= [];
        return RunningFrames.Length + WaitingFrames.Length == 0 && QueuedWorkFrames > 0
            ? (QueuedWorkFrames + pending.Sum() + frames) / rate
            : ProcessorSharing.FinishSeconds(RunningFrames, WaitingFrames.Concat(pending), frames, RunsAtOnce, RateWith);
    }
}
