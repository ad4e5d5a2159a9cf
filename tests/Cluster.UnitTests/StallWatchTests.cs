using Microsoft.Extensions.Time.Testing;
using QwenTts.Devices.Cards;

namespace QwenTts.Cluster.UnitTests;

/// <summary>A card's stall: noticed while it owes audio, lasting until audio flows again, probed once it is empty.</summary>
public sealed class StallWatchTests
{
    [Fact]
    public void A_card_owing_audio_past_its_bound_is_stalled_until_audio_flows_and_only_owed_audio_counts()
    {
        var clock = new FakeTimeProvider();
        var throughput = new ThroughputMeter(40, clock);
        var stall = new StallWatch(clock, throughput, () => TimeSpan.FromSeconds(2));

        // Silence while no stream waits on the engine (listeners slow to take their pieces) is no stall.
        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.False(stall.Stalled);

        stall.Owing();
        clock.Advance(TimeSpan.FromSeconds(1.5));
        Assert.False(stall.Detected);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(stall.Detected);

        // Noticed: the first notice is logged; the rate halves now and once a second while it lasts.
        Assert.True(stall.Notice());
        Assert.Equal(20, throughput.FramesPerSecond);
        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.False(stall.Notice());
        Assert.Equal(20, throughput.FramesPerSecond); // not twice within the second
        clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.False(stall.Notice());
        Assert.Equal(10, throughput.FramesPerSecond);

        // Its stream went elsewhere: no longer detected, but still stalled until audio comes out (a probe).
        stall.Paid();
        Assert.False(stall.Detected);
        Assert.True(stall.Stalled);
        Assert.False(stall.TryStartProbe(streaming: 1));
        Assert.True(stall.TryStartProbe(streaming: 0));
        Assert.False(stall.TryStartProbe(streaming: 0)); // one probe at a time
        Assert.True(stall.ProbeFailed());
        stall.ProbeEnded();
        Assert.False(stall.TryStartProbe(streaming: 0)); // a second after a failed one
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(stall.TryStartProbe(streaming: 0));

        Assert.True(stall.Progressed()); // the probe spoke: over, at the rate it had before
        stall.ProbeEnded();
        Assert.False(stall.Stalled);
        Assert.Equal(40, throughput.FramesPerSecond);
        Assert.False(stall.Progressed());
        Assert.False(stall.ProbeFailed());
    }
}
