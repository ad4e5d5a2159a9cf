using Microsoft.Extensions.Time.Testing;
using QwenTts.Frontend.Speech;

namespace QwenTts.Frontend.UnitTests;

/// <summary>A stream falls behind playback when a chunk comes after the listener has played everything before it.</summary>
public sealed class PlaybackClockTests
{
    private const int Rate = 24000;

    [Fact]
    public void Chunks_that_come_before_the_audio_sent_has_played_are_no_underrun()
    {
        var time = new FakeTimeProvider();
        var clock = new PlaybackClock(Rate, clock: time);

        clock.Sent(Rate / 2); // half a second, playing from now
        time.Advance(TimeSpan.FromMilliseconds(400));
        clock.Sent(Rate / 2); // plays until 1 s
        time.Advance(TimeSpan.FromMilliseconds(550));
        clock.Sent(Rate / 10);

        Assert.Equal(0, clock.Underruns);
        Assert.Equal(0, clock.SilenceSeconds);
    }

    [Fact]
    public void A_chunk_after_the_listener_ran_dry_counts_the_silence_and_playback_resumes_with_it()
    {
        var time = new FakeTimeProvider();
        var clock = new PlaybackClock(Rate, clock: time);

        clock.Sent(Rate / 2); // played by 0.5 s
        time.Advance(TimeSpan.FromMilliseconds(800));
        clock.Sent(Rate); // 0.3 s of silence, then plays until 1.8 s
        time.Advance(TimeSpan.FromMilliseconds(900)); // at 1.7 s: still ahead
        clock.Sent(Rate / 10);
        time.Advance(TimeSpan.FromMilliseconds(400)); // at 2.1 s, played by 1.9 s: 0.2 s more
        clock.Sent(Rate / 10);

        Assert.Equal(2, clock.Underruns);
        Assert.Equal(0.5, clock.SilenceSeconds, 6);
    }
}
