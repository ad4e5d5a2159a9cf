using Microsoft.Extensions.Time.Testing;

namespace QwenTts.Cluster.UnitTests;

/// <summary>
/// For tests that drive a <see cref="QwenTts.Devices.Cards.CardPacer"/> with a fake clock: without the test runner's
/// synchronization context, a chunk's wait re-times itself on the thread that changed the card's rate or advanced the
/// clock, before the test's next step, instead of on a pool thread that may run after it.
/// </summary>
internal static class PacerTestClock
{
    public static void RunContinuationsInline() => SynchronizationContext.SetSynchronizationContext(null);

    /// <summary>
    /// Advances the clock by <paramref name="notYet"/>, where <paramref name="chunk"/> must still wait, then by
    /// <paramref name="rest"/>, where it must be made.
    /// </summary>
    public static async Task DueAfterAsync(this FakeTimeProvider clock, Task chunk, TimeSpan notYet, TimeSpan rest)
    {
        clock.Advance(notYet);
        Assert.False(chunk.IsCompleted);
        clock.Advance(rest);
        await chunk;
    }
}
