using System.Diagnostics;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Routing;

/// <summary>One event (audio or completion) of the segment at <paramref name="Index"/>, delivered in text order.</summary>
public sealed record SegmentOutput(int Index, SynthesisJob Job, SynthesisEvent Event)
{
    /// <summary>The segment's span (default when not traced): what the consumer does with its audio goes under it.</summary>
    public ActivityContext Trace { get; init; }
}
