namespace QwenTts.Devices.Cards;

/// <summary>
/// A card's scheduler: which admitted utterance runs next and when. Up to <paramref name="runnable"/> run at once (all
/// the card's slots, or on a batching card as many as keep their streams ahead of playback; a resumed stream up to
/// <paramref name="resumeHeadroom"/> past that); the rest wait in order of arrival, resumed then moved streams first
/// (their listeners are already listening: <see cref="SlotUrgency"/>).
/// Background work (asynchronous jobs) waits in its own queue behind realtime requests, never takes the last free slot
/// and never counts against realtime queue room.
/// Used only from its card's grain (one scheduler, no locks).
/// </summary>
/// <param name="runnable">Utterances that may run at once now.</param>
/// <param name="resumeHeadroom">
/// Places past what may run at once that a resumed stream may start in (<c>Devices:ResumeHeadroom</c>). Counted from what
/// the card runs now, not from its slots: on a batching card every row added slows all its streams, so a stall's streams
/// landing on one card past its playback limit would put every stream there behind.
/// </param>
public sealed class CardQueue(Func<int> runnable, int resumeHeadroom)
{
    private readonly LinkedList<Wait> _waiting = new();
    private readonly LinkedList<Wait> _waitingBackground = new();
    private int _reserved; // slots granted to waiters that have not started yet

    /// <summary>Utterances running now.</summary>
    public int Active { get; private set; }

    /// <summary>Realtime requests waiting for a slot.</summary>
    public int Waiting => _waiting.Count;

    /// <summary>Background jobs waiting for a slot.</summary>
    public int WaitingBackground => _waitingBackground.Count;

    /// <summary>Slots background work may fill: all but one, so a realtime request finds a free slot at once.</summary>
    public int BackgroundSlots => Math.Max(1, runnable() - 1);

    /// <summary>Why a request cannot even queue here (every slot and <paramref name="queueLimit"/> places taken), or null.</summary>
    public string? Full(bool background, int slots, int queueLimit)
    {
        var waiting = _waiting.Count + (background ? _waitingBackground.Count : 0);
        return waiting + Active >= (background ? BackgroundSlots : slots) + queueLimit ? $"{Active} running, {waiting} waiting" : null;
    }

    /// <param name="urgency">Its place in line and the slots it may start within (<see cref="SlotUrgency"/>).</param>
    /// <param name="since">
    /// When a new request reached the cluster: the queue is in that order, so a request handed back by a stalled or
    /// draining card keeps its place by age here. Moved and resumed streams go before every new one.
    /// </param>
    /// <param name="framesPerSecond">The card's rate now: a waiter may be handed back if the card slows down well below it.</param>
    /// <param name="mayHandBack">A synthesis the router can send elsewhere when this card slows down.</param>
    /// <returns>Null once the job has a slot; why the card will not run it, when it hands it back.</returns>
    public async Task<string?> WaitAsync(bool background, SlotUrgency urgency, DateTimeOffset since, double framesPerSecond, bool mayHandBack,
        CancellationToken cancellationToken)
    {
        var free = background
            ? Active + _reserved < BackgroundSlots && _waiting.Count == 0 && _waitingBackground.Count == 0
            : urgency switch
            {
                SlotUrgency.Resumed => Active + _reserved < runnable() + resumeHeadroom && !ResumedWaiting, // ahead of waiting moved streams (their listeners still have audio)
                SlotUrgency.Moved => Active + _reserved < runnable() && !UrgentWaiting, // ahead of new requests, behind earlier moved or resumed streams
                _ => Active + _reserved < runnable() && _waiting.Count == 0,
            };
        if (free)
        {
            _reserved++;
            return null;
        }

        var queue = background ? _waitingBackground : _waiting;
        var slot = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var node = Enqueue(queue, new Wait(slot, urgency, urgency == SlotUrgency.New ? since : DateTimeOffset.MinValue, framesPerSecond, mayHandBack));
        await using var registration = cancellationToken.Register(() => slot.TrySetCanceled(cancellationToken));
        try
        {
            return await slot.Task;
        }
        finally
        {
            if (node.List is not null)
            {
                queue.Remove(node);
            }
        }
    }

    /// <summary>A moved or resumed stream waits (they go first in line, in their order of asking).</summary>
    private bool UrgentWaiting => _waiting.First is { } first && first.Value.Urgency != SlotUrgency.New;

    /// <summary>A resumed stream waits (resumed streams stand first in line): a later one asks behind it.</summary>
    private bool ResumedWaiting => _waiting.First is { } first && first.Value.Urgency == SlotUrgency.Resumed;

    /// <summary>A job that was given a slot starts running.</summary>
    public void Started()
    {
        _reserved--;
        Active++;
    }

    /// <summary>A running job ended (then <see cref="ReleaseNext"/>).</summary>
    public void Ended() => Active--;

    /// <summary>The next waiting jobs get a slot, as many as may run (a resumed stream within the resume headroom past that).</summary>
    public void ReleaseNext()
    {
        var limit = runnable(); // once: a batching card's figure is worked out from its measured rates
        var backgroundLimit = Math.Max(1, limit - 1);
        while (_waiting.First is { } first && Active + _reserved < limit + (first.Value.Urgency == SlotUrgency.Resumed ? resumeHeadroom : 0))
        {
            _waiting.RemoveFirst();
            if (first.Value.Slot.TrySetResult(null))
            {
                _reserved++;
            }
        }

        while (_waiting.Count == 0 && Active + _reserved < backgroundLimit && _waitingBackground.First is { } next)
        {
            _waitingBackground.RemoveFirst();
            if (next.Value.Slot.TrySetResult(null))
            {
                _reserved++;
            }
        }
    }

    /// <summary>Every waiting job goes back to its router with <paramref name="reason"/>.</summary>
    public void RejectAll(string reason)
    {
        foreach (var queue in new[] { _waiting, _waitingBackground })
        {
            while (queue.First is { } first)
            {
                queue.RemoveFirst();
                first.Value.Slot.TrySetResult(reason);
            }
        }
    }

    /// <summary>
    /// Realtime requests that were admitted when the card ran more than <paramref name="changeRatio"/> times faster than
    /// <paramref name="framesPerSecond"/> go back to the router with <paramref name="reason"/>. How many went.
    /// </summary>
    public int HandBackSlowerThan(double framesPerSecond, double changeRatio, string reason)
    {
        var handedBack = 0;
        for (var node = _waiting.First; node is not null;)
        {
            var next = node.Next;
            if (node.Value.MayHandBack && framesPerSecond * changeRatio < node.Value.FramesPerSecond)
            {
                _waiting.Remove(node);
                handedBack += node.Value.Slot.TrySetResult(reason) ? 1 : 0;
            }

            node = next;
        }

        return handedBack;
    }

    /// <summary>
    /// Behind every wait more urgent than this one (resumed, then moved, then new: <see cref="SlotUrgency"/>'s order),
    /// and behind those as urgent that reached the cluster no later (urgent ones in their order of asking).
    /// </summary>
    private static LinkedListNode<Wait> Enqueue(LinkedList<Wait> queue, Wait wait)
    {
        var after = queue.Last;
        while (after is not null && (after.Value.Urgency < wait.Urgency || (after.Value.Urgency == wait.Urgency && after.Value.Since > wait.Since)))
        {
            after = after.Previous;
        }

        return after is null ? queue.AddFirst(wait) : queue.AddAfter(after, wait);
    }

    /// <summary>A job waiting for a slot, how urgent, and when its request reached the cluster (the first instant for a moved or resumed stream, which waits in its order of asking).</summary>
    /// <param name="FramesPerSecond">The card's rate when the job was admitted: what the router weighed it at.</param>
    private sealed record Wait(TaskCompletionSource<string?> Slot, SlotUrgency Urgency, DateTimeOffset Since, double FramesPerSecond, bool MayHandBack);
}
