using QwenTts.Devices.Cards;

namespace QwenTts.Cluster.UnitTests;

/// <summary>
/// A card's scheduler: new requests in order of arrival within what the card runs at once, moved and resumed streams
/// first (a resumed one past that, within the resume headroom), background work behind realtime and never in the last slot.
/// </summary>
public sealed class CardQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private static Task<string?> New(CardQueue queue, double secondsAfter, bool background = false, bool mayHandBack = true, double rate = 100) =>
        queue.WaitAsync(background, SlotUrgency.New, T0.AddSeconds(secondsAfter), rate, mayHandBack, CancellationToken.None);

    private static Task<string?> Stream(CardQueue queue, SlotUrgency urgency) =>
        queue.WaitAsync(background: false, urgency, T0.AddSeconds(99), 100, mayHandBack: false, CancellationToken.None);

    /// <summary>A running job ends and the next get their slots, as the card's grain does when an utterance finishes.</summary>
    private static void EndOne(CardQueue queue)
    {
        queue.Ended();
        queue.ReleaseNext();
    }

    /// <summary>Grants what is free now and starts it, as the card's grain does once a job has its slot.</summary>
    private static async Task StartAsync(CardQueue queue, Task<string?> wait)
    {
        Assert.Null(await wait);
        queue.Started();
    }

    [Fact]
    public async Task New_requests_start_within_the_cards_figure_and_then_in_order_of_arrival_not_of_asking()
    {
        var runnable = 2;
        var queue = new CardQueue(() => runnable, resumeHeadroom: 1);
        await StartAsync(queue, New(queue, 0));
        await StartAsync(queue, New(queue, 1));

        var later = New(queue, 5);
        var earlier = New(queue, 2); // handed back by another card: it keeps its place by age
        Assert.Equal(2, queue.Waiting);

        EndOne(queue);
        await StartAsync(queue, earlier);
        Assert.False(later.IsCompleted);

        runnable = 3; // a batching card that learned it keeps one more stream ahead
        queue.ReleaseNext();
        await StartAsync(queue, later);
        Assert.Equal(3, queue.Active);
    }

    [Fact]
    public async Task A_resumed_stream_starts_at_once_within_the_resume_headroom_and_a_moved_one_only_within_the_cards_figure()
    {
        var queue = new CardQueue(() => 2, resumeHeadroom: 1);
        await StartAsync(queue, New(queue, 0));
        await StartAsync(queue, New(queue, 1));
        var waitingNew = New(queue, 2);

        // Its listener is in silence: it starts past what the card runs at once, ahead of the new request.
        await StartAsync(queue, Stream(queue, SlotUrgency.Resumed));
        Assert.Equal(3, queue.Active);

        // Its listener still plays what it has: it goes first in line, but waits for the card's figure.
        var moved = Stream(queue, SlotUrgency.Moved);
        Assert.False(moved.IsCompleted);
        EndOne(queue);
        Assert.False(moved.IsCompleted); // three running, the card runs two at once
        EndOne(queue);
        await StartAsync(queue, moved);
        Assert.False(waitingNew.IsCompleted);
        EndOne(queue);
        await StartAsync(queue, waitingNew);
    }

    [Fact]
    public async Task The_resume_headroom_moves_with_what_the_card_runs_at_once()
    {
        // A batching card that keeps two streams ahead of playback (its grain passes that figure, not its slots): a
        // stall's streams landing on it take one place past the two (every row added slows every stream on it).
        var runnable = 2;
        var queue = new CardQueue(() => runnable, resumeHeadroom: 1);
        await StartAsync(queue, New(queue, 0));
        await StartAsync(queue, New(queue, 1));
        await StartAsync(queue, Stream(queue, SlotUrgency.Resumed));
        var second = Stream(queue, SlotUrgency.Resumed);
        var third = Stream(queue, SlotUrgency.Resumed);
        Assert.False(second.IsCompleted);

        // It learned it keeps three ahead: the headroom moves with it, and the waiting streams take it in their order.
        runnable = 3;
        queue.ReleaseNext();
        await StartAsync(queue, second);
        Assert.Equal(4, queue.Active);
        Assert.False(third.IsCompleted);

        // One ends: the next resumed stream starts in the headroom past the card's figure, not only within it.
        EndOne(queue);
        await StartAsync(queue, third);
        Assert.Equal(4, queue.Active);
    }

    [Fact]
    public async Task A_resumed_stream_starts_in_the_headroom_ahead_of_a_moved_one_waiting_for_the_cards_figure()
    {
        var queue = new CardQueue(() => 1, resumeHeadroom: 1);
        await StartAsync(queue, New(queue, 0));
        var moved = Stream(queue, SlotUrgency.Moved); // its listener still has audio: it waits for the card's figure
        Assert.False(moved.IsCompleted);

        // A listener in silence does not wait behind it.
        await StartAsync(queue, Stream(queue, SlotUrgency.Resumed));
        Assert.Equal(2, queue.Active);
        var second = Stream(queue, SlotUrgency.Resumed); // past the headroom: it waits, ahead of the moved one
        EndOne(queue);
        await StartAsync(queue, second); // in the headroom again
        Assert.False(moved.IsCompleted); // two running past a figure of one
        EndOne(queue);
        Assert.False(moved.IsCompleted);
        EndOne(queue);
        await StartAsync(queue, moved);
    }

    [Fact]
    public async Task Moved_and_resumed_streams_keep_their_order_among_themselves_and_a_resumed_one_stops_at_the_headroom()
    {
        var runnable = 1;
        var queue = new CardQueue(() => runnable, resumeHeadroom: 1);
        await StartAsync(queue, New(queue, 0));
        await StartAsync(queue, Stream(queue, SlotUrgency.Resumed)); // past the card's figure, within the headroom
        var resumedPastHeadroom = Stream(queue, SlotUrgency.Resumed);
        Assert.False(resumedPastHeadroom.IsCompleted);
        var newRequest = New(queue, 1);

        // A slot frees for one more (the card learned it keeps more ahead), then a moved stream asks: the resumed one that
        // asked first gets it, the moved one waits behind it, and both go before the new request.
        runnable = 3;
        var moved = Stream(queue, SlotUrgency.Moved);
        Assert.False(moved.IsCompleted);
        queue.ReleaseNext();
        await StartAsync(queue, resumedPastHeadroom);
        Assert.False(moved.IsCompleted);
        EndOne(queue);
        await StartAsync(queue, moved);
        Assert.False(newRequest.IsCompleted);
    }

    [Fact]
    public async Task A_cancelled_waiter_is_skipped_and_holds_no_slot()
    {
        var queue = new CardQueue(() => 1, resumeHeadroom: 0);
        await StartAsync(queue, New(queue, 0));
        using var cancel = new CancellationTokenSource();
        var cancelled = queue.WaitAsync(false, SlotUrgency.New, T0.AddSeconds(1), 100, true, cancel.Token);
        var next = New(queue, 2);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);

        EndOne(queue);
        await StartAsync(queue, next);
        Assert.Equal(1, queue.Active);
    }

    [Fact]
    public async Task Background_work_waits_behind_realtime_and_never_takes_the_last_free_slot()
    {
        var queue = new CardQueue(() => 3, resumeHeadroom: 0);
        await StartAsync(queue, New(queue, 0, background: true));
        await StartAsync(queue, New(queue, 1, background: true));
        var third = New(queue, 2, background: true);
        Assert.False(third.IsCompleted);
        Assert.Equal(1, queue.WaitingBackground);

        await StartAsync(queue, New(queue, 3)); // the slot kept for realtime is free at once
        var realtime = New(queue, 4);
        EndOne(queue);
        await StartAsync(queue, realtime); // realtime first, whatever arrived before it in the background
        Assert.False(third.IsCompleted);
    }

    [Fact]
    public async Task Waiters_admitted_at_a_much_faster_rate_go_back_to_the_router_and_the_rest_stay()
    {
        var queue = new CardQueue(() => 1, resumeHeadroom: 0);
        await StartAsync(queue, New(queue, 0));
        var fast = New(queue, 1, rate: 100);
        var slowAlready = New(queue, 2, rate: 30);
        var clone = New(queue, 3, mayHandBack: false, rate: 100);

        Assert.Equal(1, queue.HandBackSlowerThan(framesPerSecond: 40, changeRatio: 1.33, "card slowed down"));
        Assert.Equal("card slowed down", await fast);
        Assert.False(slowAlready.IsCompleted);
        Assert.False(clone.IsCompleted);

        queue.RejectAll("draining");
        Assert.Equal("draining", await slowAlready);
        Assert.Equal("draining", await clone);
        Assert.Equal((0, 0), (queue.Waiting, queue.WaitingBackground));
    }

    [Fact]
    public async Task A_full_card_says_so_and_a_cancelled_waiter_leaves_the_line()
    {
        var queue = new CardQueue(() => 1, resumeHeadroom: 0);
        await StartAsync(queue, New(queue, 0));
        using var cancel = new CancellationTokenSource();
        var waiter = queue.WaitAsync(false, SlotUrgency.New, T0.AddSeconds(1), 100, true, cancel.Token);
        Assert.Equal("1 running, 1 waiting", queue.Full(background: false, slots: 1, queueLimit: 1));
        Assert.Null(queue.Full(background: false, slots: 1, queueLimit: 2));

        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiter);
        Assert.Equal(0, queue.Waiting);
    }
}
