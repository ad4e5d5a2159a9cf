namespace QwenTts.Routing;

public enum RoutingPolicy
{
    /// <summary>The card whose queued work plus this request, over its measured throughput, finishes first.</summary>
    LeastExpectedCompletion,

    /// <summary>Cards in turn, skipping full ones (the weakest baseline the benchmark compares against).</summary>
    RoundRobin,

    /// <summary>The card with the fewest requests outstanding (what most load balancers call least-request).</summary>
    LeastOutstandingRequests,

    /// <summary>Two cards drawn at random, the one with fewer requests outstanding (Envoy's least_request default).</summary>
    PowerOfTwoChoices,
}

/// <summary>Routing settings; bound from <c>Routing</c>.</summary>
public sealed class RoutingOptions
{
    public const string Section = "Routing";

    public RoutingPolicy Policy { get; set; } = RoutingPolicy.LeastExpectedCompletion;

    /// <summary>How often the card table is refreshed from the registry.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>A card that failed a call is avoided for this long.</summary>
    public TimeSpan FailurePenalty { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a request may wait, first come first served, for a card with room before it is refused (503 with a
    /// retry hint); zero refuses at once. Absorbs bursts larger than the cards' own queues, e.g. the requests held up
    /// while a killed silo is not yet declared dead, released together when it is.
    /// </summary>
    public TimeSpan AdmissionTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Requests that may wait for room at once; past this a request is refused at once.</summary>
    public int AdmissionQueueLimit { get; set; } = 256;

    /// <summary>Cards tried for one request when they refuse it (full, draining) before the cluster counts as full.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>Initial frames per character of text, learned from completed requests afterwards.</summary>
    public double InitialFramesPerCharacter { get; set; } = 1.0;

    /// <summary>Segments of one long request run on several cards at once (streamed in order); false runs them one by one.</summary>
    public bool ParallelSegments { get; set; } = true;

    /// <summary>How many segments past the one being streamed may already be started (their audio waits in memory).</summary>
    public int SegmentLookAhead { get; set; } = 6;

    /// <summary>The largest share of the cluster's usable cards one request may occupy, so other tenants are still served.</summary>
    public double MaxCardShare { get; set; } = 0.75;

    /// <summary>Once audio flows, a card silent for this many of its frame times (at its current rate) counts as failed; twice the largest stream chunk (96 frames).</summary>
    public double StallFrames { get; set; } = 192;

    /// <summary>The least silence that counts as a stall, and the time a card has to admit a job.</summary>
    public TimeSpan StallMinimum { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often one segment may be regenerated on another card after its card died mid-utterance.</summary>
    public int MaxFailovers { get; set; } = 2;

    /// <summary>
    /// Other cards tried for a segment whose card did not start it (no admission within <see cref="StallMinimum"/>, a
    /// broken call) before the request is refused with a retryable 503. More than one: while a silo is cut off by the
    /// network, calls the client happens to route through its gateway hang until the silo is declared dead, whichever
    /// card they are for.
    /// </summary>
    public int MaxReroutes { get; set; } = 3;

    /// <summary>
    /// Move a running stream whose card has fallen behind playback (slower than real time for it, and its next piece due
    /// after the listener runs dry) to a card that runs it at once and sends its audio sooner, resuming exactly after the
    /// frames the caller has. Only the segment being streamed (not look-ahead segments, not background jobs), only to a
    /// card of the same model and provider, at most <see cref="MaxMoves"/> times a segment.
    /// </summary>
    public bool MoveStreamsBehindPlayback { get; set; } = true;

    /// <summary>
    /// How much audio a listener is taken to hold before it starts playing (a player's jitter buffer), to tell when it
    /// would run dry; the cards assume the same (<c>Devices:AssumedPlayerBuffer</c>) when they size their batches.
    /// Smaller moves streams sooner.
    /// </summary>
    public TimeSpan AssumedPlayerBuffer { get; set; } = Grains.Interfaces.Synthesis.Playback.DefaultPlayerBuffer;

    /// <summary>
    /// A card counts as behind a stream only when it makes the stream's audio slower than this share of real time (0.5: a
    /// second of audio in two or more). A move costs the new card a replay and, measured on the emulated rack, the
    /// listener 1 to 4 s before the new card's first audio where the estimate said well under one: moving streams off
    /// cards that were only a little slower than real time left more streams with a gap than leaving them there.
    /// </summary>
    public double MoveBelowRealTime { get; set; } = 0.5;

    /// <summary>How often one segment may be moved because its card fell behind playback.</summary>
    public int MaxMoves { get; set; } = 1;

    /// <summary>
    /// What replaying a frame the caller has costs a card that resumes a stream, in generated frames (its talker step
    /// without the 15 predictor steps; about 0.5 at batch 1, where the talker step dominates a frame).
    /// </summary>
    public double ReplayedFrameCost { get; set; } = 0.5;

    /// <summary>Samples of the ramp that joins a regenerated segment when the new card's numerics differ (10 ms at 24 kHz).</summary>
    public int CrossfadeSamples { get; set; } = 240;
}
