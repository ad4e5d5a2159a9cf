namespace QwenTts.Grains.Interfaces.Devices;

/// <summary>
/// When a new utterance would finish on a card whose utterances take turns: up to a number of slots share the card's
/// rate equally, the rest wait in order. An utterance's time then depends on how many share the card with it and for
/// how long, not on how much work the card holds in all: a card running one long utterance finishes a short newcomer
/// sooner than one running three short ones, though it holds more work.
/// </summary>
public static class ProcessorSharing
{
    /// <param name="running">Frames still to come of each utterance running now.</param>
    /// <param name="waiting">Frames of each utterance waiting for a slot, in the order they are taken to get one.</param>
    /// <param name="frames">The newcomer's frames; it waits behind everything else.</param>
    /// <param name="slots">Utterances that run at once.</param>
    /// <param name="framesPerSecond">The card's rate, shared by what runs.</param>
    public static double FinishSeconds(IEnumerable<double> running, IEnumerable<double> waiting, double frames, int slots, double framesPerSecond) =>
        FinishSeconds(running, waiting, frames, slots, _ => framesPerSecond);

    /// <param name="framesPerSecond">
    /// The card's rate in all with n utterances running, shared by them: a batching card's grows with n.
    /// </param>
    public static double FinishSeconds(IEnumerable<double> running, IEnumerable<double> waiting, double frames, int slots, Func<int, double> framesPerSecond)
    {
        var active = running.Select(f => new Share(Math.Max(f, 0), Mine: false)).ToList();
        var queue = new Queue<Share>(waiting.Select(f => new Share(Math.Max(f, 0), Mine: false)));
        queue.Enqueue(new Share(Math.Max(frames, 0), Mine: true));
        var seconds = 0.0;
        while (true)
        {
            while (active.Count < Math.Max(slots, 1) && queue.Count > 0)
            {
                active.Add(queue.Dequeue());
            }

            // Until the nearest end, every running utterance gets an equal share of the rate.
            var least = active.Min(s => s.Left);
            seconds += least * active.Count / Math.Max(framesPerSecond(active.Count), 1e-3);
            var mineDone = false;
            for (var i = active.Count - 1; i >= 0; i--)
            {
                var left = active[i].Left - least;
                if (left > 1e-9)
                {
                    active[i] = active[i] with { Left = left };
                    continue;
                }

                mineDone |= active[i].Mine;
                active.RemoveAt(i);
            }

            if (mineDone)
            {
                return seconds;
            }
        }
    }

    private readonly record struct Share(double Left, bool Mine);
}
