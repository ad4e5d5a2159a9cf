using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Routing;

/// <summary>
/// Where a running stream goes when its card fell behind playback (<see cref="PlaybackTracker"/>): a card that runs it
/// at once (a free place among those it runs, not its queue) and finishes it sooner than the old card at its pace,
/// counting the replay of the frames the caller has; and that sends its first audio (<see cref="Margin"/> to spare)
/// before the old card's next piece is due, or, when that is unknown (the old card is silent past real time), only once waiting longer would leave the
/// listener without audio (<see cref="Margin"/> to spare), so a card late for a moment is not left for it. Of those, the
/// one that finishes first. Only cards of the old card's model and provider: the resumed stream must be exact.
/// </summary>
internal static class MoveTargets
{
    /// <summary>
    /// Spare time on a moved stream's first audio for what the estimate leaves out: the card table's age, the call, the
    /// new card's prefill.
    /// </summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(0.3);

    /// <param name="candidates">Cards that may take work now, with the frames of what is on its way to each.</param>
    /// <returns>The acceptable cards with when each would finish the stream, soonest first; empty when none would do better.</returns>
    public static IReadOnlyList<CardEstimate> Rank(IEnumerable<(DeviceLoad Load, double[] Pending)> candidates, DeviceLoad from,
        PlaybackTracker.Lag lag, PlaybackTracker playback, DateTimeOffset now, double replayedFrameCost)
    {
        var replay = playback.DeliveredFrames * replayedFrameCost;
        var remaining = playback.RemainingFrames;
        var finishBy = remaining / Math.Max(lag.FramesPerSecond, 1e-3);
        var dryIn = (lag.RunsDryAt - now).TotalSeconds;
        bool SoonEnough(double firstAudio) => lag.NextPieceDue is { } due
            ? firstAudio + Margin.TotalSeconds < (due - now).TotalSeconds
            : firstAudio + Margin.TotalSeconds >= dryIn;

        return [.. candidates
            .Where(c => c.Load.ModelName == from.ModelName && c.Load.Provider == from.Provider
                        && c.Load.Active + c.Load.Queued + c.Pending.Length < c.Load.RunsAtOnce)
            .Select(c => (c.Load.Device, FirstAudio: c.Load.ExpectedCompletionSeconds(playback.FirstPieceFrames + replay, c.Pending),
                Finish: c.Load.ExpectedCompletionSeconds(remaining + replay, c.Pending)))
            .Where(c => c.Finish < finishBy && SoonEnough(c.FirstAudio))
            .OrderBy(c => c.Finish)
            .Select(c => new CardEstimate(c.Device, c.Finish))];
    }
}
