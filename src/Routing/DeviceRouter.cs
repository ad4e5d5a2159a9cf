using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Routing;

/// <summary>
/// Keeps the cluster's card table fresh (from the registry, a few times a second) and picks a card per request.
/// Between refreshes it counts the work it dispatched itself, until the card's own report includes it (the card's
/// admission number tells when), so bursts are spread even before the table catches up.
/// </summary>
public sealed partial class DeviceRouter(IGrainFactory grains, IOptions<RoutingOptions> options, TimeProvider clock, ILogger<DeviceRouter> logger)
    : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<DeviceId, List<Ticket>> _pending = [];
    private readonly Dictionary<DeviceId, DateTimeOffset> _failedUntil = [];
    private readonly LinkedList<Waiter> _waiters = new();
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<DeviceLoad> _devices = [];
    private Task? _refreshLoop;
    private int _roundRobin;
    private readonly Random _random = new(7);

    /// <summary>How long after a registry (re)start its snapshot may still miss cards (cards report every second).</summary>
    private static readonly TimeSpan RegistryWarmUp = TimeSpan.FromSeconds(3);

    public RoutingOptions Options => options.Value;

    /// <summary>The last card table read from the registry.</summary>
    public IReadOnlyList<DeviceLoad> Devices => Volatile.Read(ref _devices);

    public DateTimeOffset LastRefresh { get; private set; }

    public void Start() => _refreshLoop ??= Task.Run(RefreshLoopAsync);

    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DeviceLoad> devices;
        try
        {
            var timeout = _registryUnreachable ? RegistryRetryTimeout : RegistryTimeout;
            var snapshot = await grains.GetGrain<IDeviceRegistryGrain>(0).GetSnapshotAsync().WaitAsync(timeout, cancellationToken);
            devices = snapshot.Devices;
            if (_registryUnreachable)
            {
                _registryUnreachable = false;
                LogRegistryBack(devices.Count);
            }

            if (snapshot.TakenAt - snapshot.RegistryStartedAt < RegistryWarmUp)
            {
                // The registry just (re)started, e.g. after its silo died: cards it has not heard from yet are not gone.
                var fresh = devices.Select(d => d.Device).ToHashSet();
                devices = [.. devices, .. Devices.Where(d => !fresh.Contains(d.Device))];
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The registry is unreachable, most likely on a silo that died and is not yet declared dead (about 30 s with
            // production membership settings). Ask the known cards themselves: those of the dead silo do not answer and
            // leave the table now, rather than draw requests until the declaration.
            devices = await PollKnownCardsAsync(cancellationToken);
            if (devices.Count == 0)
            {
                throw;
            }

            if (!_registryUnreachable)
            {
                _registryUnreachable = true;
                LogRegistryUnreachable(ex.Message, devices.Count, Devices.Count);
            }
        }

        Apply(devices);
    }

    /// <summary>How long a registry call may take before the router asks the cards themselves.</summary>
    private static readonly TimeSpan RegistryTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Once the registry is unreachable it is still asked at every refresh, but waited for only this long (a live one
    /// answers in milliseconds): the table then comes from the cards at the usual rate, not once per registry timeout,
    /// so cards that free places are seen within a refresh rather than seconds later.
    /// </summary>
    private static readonly TimeSpan RegistryRetryTimeout = TimeSpan.FromMilliseconds(300);

    private volatile bool _registryUnreachable;

    /// <summary>How long one card may take to say its load when the registry is unreachable.</summary>
    private static readonly TimeSpan CardPollTimeout = TimeSpan.FromSeconds(1);

    private async Task<IReadOnlyList<DeviceLoad>> PollKnownCardsAsync(CancellationToken cancellationToken)
    {
        var polls = Devices.Select(async d =>
        {
            try
            {
                return await grains.GetGrain<IDeviceGrain>(d.Device.Key).GetLoadAsync().WaitAsync(CardPollTimeout, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        });
        return [.. (await Task.WhenAll(polls)).OfType<DeviceLoad>()];
    }

    private void Apply(IReadOnlyList<DeviceLoad> devices)
    {
        var byDevice = devices.ToDictionary(d => d.Device);
        lock (_gate)
        {
            foreach (var (device, tickets) in _pending)
            {
                // Once the card reports an admission number at or past the ticket's, its report carries that work.
                tickets.RemoveAll(t => !byDevice.TryGetValue(device, out var load)
                    || (t.AdmissionNumber > 0 && load.AdmittedTotal >= t.AdmissionNumber));
            }

            Volatile.Write(ref _devices, devices);
            LastRefresh = clock.GetUtcNow();
            ServeWaiters();
        }
    }

    /// <summary>
    /// The card for a request of <paramref name="frames"/>, or null when none has room. A voice with a stored clone
    /// prompt only goes to cards with the Base model: elsewhere it would be spoken from its description instead.
    /// </summary>
    public Ticket? Pick(double frames, IReadOnlySet<DeviceId> exclude, bool needsClone = false)
    {
        lock (_gate)
        {
            return PickLocked(frames, exclude, needsClone);
        }
    }

    /// <summary>
    /// As <see cref="Pick"/>, but when no card has room and <paramref name="wait"/> is set the request waits its turn
    /// (first come, first served: a new request never passes one already waiting) until a card frees a place or a report
    /// shows room, for at most <see cref="RoutingOptions.AdmissionTimeout"/>. Null when that passes, or at once when
    /// <paramref name="wait"/> is false or <see cref="RoutingOptions.AdmissionQueueLimit"/> requests already wait.
    /// <paramref name="first"/> puts it ahead of every waiting request: a stream whose card died mid-utterance has a
    /// listener waiting in silence.
    /// </summary>
    public async Task<Ticket?> PickAsync(double frames, IReadOnlySet<DeviceId> exclude, bool needsClone, bool wait, bool first,
        CancellationToken cancellationToken)
    {
        var o = options.Value;
        Waiter waiter;
        lock (_gate)
        {
            if ((first || _waiters.Count == 0) && PickLocked(frames, exclude, needsClone) is { } ticket)
            {
                return ticket;
            }

            if (!wait || o.AdmissionTimeout <= TimeSpan.Zero || (!first && _waiters.Count >= o.AdmissionQueueLimit))
            {
                return null;
            }

            waiter = new Waiter(frames, exclude, needsClone) { Ahead = first ? 0 : _waiters.Count };
            waiter.Node = first ? _waiters.AddFirst(waiter) : _waiters.AddLast(waiter);
        }

        var started = clock.GetTimestamp();
        RoutingMetrics.AdmissionQueued();
        var span = RoutingTracing.StartAdmission(waiter.Ahead);
        Ticket? granted = null;
        try
        {
            granted = await WaitAtLeastAsync(waiter.Ticket.Task, o.AdmissionTimeout, started, cancellationToken);
            return granted;
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            lock (_gate)
            {
                if (waiter.Node!.List is not null)
                {
                    _waiters.Remove(waiter.Node);
                }
                else
                {
                    // Served in the same instant the wait ended: the ticket is taken under the lock, so it is here.
                    granted = waiter.Ticket.Task.Result;
                }
            }

            if (ex is OperationCanceledException)
            {
                if (granted is not null)
                {
                    Release(granted);
                    granted = null;
                }

                throw;
            }

            return granted;
        }
        finally
        {
            RoutingMetrics.AdmissionDequeued(clock.GetElapsedTime(started), granted is not null);
            RoutingTracing.EndAdmission(span, granted is not null, clock.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// The ticket, or a TimeoutException no sooner than <paramref name="timeout"/> after <paramref name="started"/>: timers
    /// fire on a millisecond tick and can end a wait a fraction of a millisecond early, so the rest is waited out.
    /// </summary>
    private async Task<Ticket> WaitAtLeastAsync(Task<Ticket> ticket, TimeSpan timeout, long started, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var left = timeout - clock.GetElapsedTime(started);
                return await ticket.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, clock, cancellationToken);
            }
            catch (TimeoutException) when (clock.GetElapsedTime(started) < timeout)
            {
            }
        }
    }

    /// <summary>Cards that may take a request now (in rotation, not left out, with room in their queue), with what is on its way to each.</summary>
    private List<(DeviceLoad Load, List<Ticket> Pending)> CandidatesLocked(IReadOnlySet<DeviceId> exclude, bool needsClone)
    {
        var now = clock.GetUtcNow();
        return Devices
            .Where(d => !exclude.Contains(d.Device) && !(_failedUntil.TryGetValue(d.Device, out var until) && until > now))
            .Select(d => (Load: d, Pending: _pending.GetValueOrDefault(d.Device) ?? []))
            .Where(c => c.Load.Healthy && !c.Load.Draining && !c.Load.Stalled && (!needsClone || c.Load.CanClone)
                        && c.Load.Active + c.Load.Queued + c.Pending.Count < c.Load.MaxConcurrent + c.Load.QueueLimit)
            .ToList();
    }

    private Ticket AddPendingLocked(Ticket ticket)
    {
        if (!_pending.TryGetValue(ticket.Device, out var list))
        {
            _pending[ticket.Device] = list = [];
        }

        list.Add(ticket);
        return ticket;
    }

    /// <summary>
    /// A card to move a running stream to because its card fell behind playback, taken for it; null when none would do
    /// better (<see cref="MoveTargets"/>).
    /// </summary>
    internal Ticket? PickToMove(DeviceLoad from, PlaybackTracker.Lag lag, PlaybackTracker playback, DateTimeOffset now, IReadOnlySet<DeviceId> exclude, bool needsClone)
    {
        lock (_gate)
        {
            if (_waiters.Count > 0)
            {
                return null; // what waits for room goes first: a stream resumed after a failure waits there in silence
            }

            var ranked = MoveTargets.Rank(CandidatesLocked(exclude, needsClone).Select(c => (c.Load, c.Pending.Select(t => t.Frames).ToArray())),
                from, lag, playback, now, options.Value.ReplayedFrameCost);
            return ranked.Count == 0 ? null : AddPendingLocked(new Ticket(ranked[0].Device, playback.RemainingFrames)
            {
                Decision = new RouteDecision(options.Value.Policy, ranked.Count, ranked[0].ExpectedSeconds, [.. ranked.Skip(1).Take(RouteDecision.RunnersUpShown)]),
            });
        }
    }

    private Ticket? PickLocked(double frames, IReadOnlySet<DeviceId> exclude, bool needsClone)
    {
        var candidates = CandidatesLocked(exclude, needsClone);
        if (candidates.Count == 0)
        {
            return null;
        }

        static int Outstanding((DeviceLoad Load, List<Ticket> Pending, double Expected) c) => c.Load.Active + c.Load.Queued + c.Pending.Count;
        // Every policy's choice is weighed in expected completion too: the decision, runners-up included, goes on the trace.
        var scored = candidates.Select(c => (c.Load, c.Pending, Expected: c.Load.ExpectedCompletionSeconds(frames, [.. c.Pending.Select(t => t.Frames)]))).ToList();
        var policy = options.Value.Policy;
        var chosen = policy switch
        {
            RoutingPolicy.RoundRobin => scored[(int)((uint)_roundRobin++ % (uint)scored.Count)],
            RoutingPolicy.LeastOutstandingRequests => scored.MinBy(Outstanding),
            RoutingPolicy.PowerOfTwoChoices => new[] { scored[_random.Next(scored.Count)], scored[_random.Next(scored.Count)] }.MinBy(Outstanding),
            _ => scored.MinBy(c => (c.Expected, c.Load.Active + c.Pending.Count)),
        };
        var runnersUp = scored.Where(c => c.Load.Device != chosen.Load.Device).OrderBy(c => c.Expected).Take(RouteDecision.RunnersUpShown)
            .Select(c => new CardEstimate(c.Load.Device, c.Expected)).ToArray();
        return AddPendingLocked(new Ticket(chosen.Load.Device, frames) { Decision = new RouteDecision(policy, scored.Count, chosen.Expected, runnersUp) });
    }

    public void Admitted(Ticket ticket, long admissionNumber)
    {
        lock (_gate)
        {
            ticket.AdmissionNumber = admissionNumber;
        }
    }

    /// <summary>The request is over (done, failed or refused): its work no longer counts here.</summary>
    public void Release(Ticket ticket)
    {
        lock (_gate)
        {
            if (_pending.TryGetValue(ticket.Device, out var list) && list.Remove(ticket))
            {
                ServeWaiters();
            }
        }
    }

    /// <summary>Requests waiting for a card with room now.</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Count;
            }
        }
    }

    /// <summary>The frames of the requests waiting for a card with room now: work no card in rotation can take.</summary>
    public double WaitingFrames
    {
        get
        {
            lock (_gate)
            {
                return _waiters.Sum(w => w.Frames);
            }
        }
    }

    /// <summary>Gives room to waiting requests in arrival order (under the lock; their continuations run elsewhere).</summary>
    private void ServeWaiters()
    {
        for (var node = _waiters.First; node is not null;)
        {
            var next = node.Next;
            var waiter = node.Value;
            if (PickLocked(waiter.Frames, waiter.Exclude, waiter.NeedsClone) is { } ticket)
            {
                _waiters.Remove(node);
                waiter.Ticket.TrySetResult(ticket);
            }

            node = next;
        }
    }

    /// <summary>
    /// A call to this card could not start: its silo is most likely gone, so leave out every card of that silo until
    /// the penalty passes or the registry drops them.
    /// </summary>
    public void MarkFailed(DeviceId device)
    {
        lock (_gate)
        {
            var until = clock.GetUtcNow() + options.Value.FailurePenalty;
            foreach (var card in Devices.Where(d => d.Device.Silo == device.Silo).Select(d => d.Device).Append(device))
            {
                _failedUntil[card] = until;
            }
        }

        LogSiloAvoided(device.Silo, device, options.Value.FailurePenalty.TotalSeconds);
    }

    /// <summary>When it is worth trying again: the soonest a card frees a slot, between 1 and 30 seconds.</summary>
    public TimeSpan SuggestRetryAfter()
    {
        var devices = Devices;
        if (devices.Count == 0)
        {
            return TimeSpan.FromSeconds(5);
        }

        var soonest = devices.Min(d => d.InFlightFrames / Math.Max(1, d.Active) / Math.Max(d.FramesPerSecond / Math.Max(1, d.Active), 1e-3));
        return TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(soonest), 1, 30));
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(options.Value.RefreshInterval, clock);
        var failures = 0;
        do
        {
            try
            {
                await RefreshAsync(_stop.Token);
                failures = 0;
            }
            catch (Exception ex) when (!_stop.IsCancellationRequested)
            {
                if (failures++ % 20 == 0)
                {
                    LogRefreshFailed(ex.Message);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(_stop.Token).AsTask().ContinueWith(t => !t.IsCanceled && t.Result, TaskScheduler.Default));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_refreshLoop is not null)
        {
            await _refreshLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    /// <summary>A request waiting for a card with room; its ticket is set under the router's lock.</summary>
    private sealed class Waiter(double frames, IReadOnlySet<DeviceId> exclude, bool needsClone)
    {
        public double Frames { get; } = frames;

        public IReadOnlySet<DeviceId> Exclude { get; } = exclude;

        public bool NeedsClone { get; } = needsClone;

        public TaskCompletionSource<Ticket> Ticket { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public LinkedListNode<Waiter>? Node { get; set; }

        /// <summary>Requests waiting ahead of it when it joined.</summary>
        public int Ahead { get; init; }
    }

    /// <summary>One dispatch: counted against its card until the card's report includes it or it ends.</summary>
    public sealed class Ticket(DeviceId device, double frames)
    {
        public DeviceId Device { get; } = device;

        public double Frames { get; } = frames;

        public long AdmissionNumber { get; internal set; }

        /// <summary>Why this card: the policy, the candidates and how soon each would have finished the request.</summary>
        public RouteDecision? Decision { get; init; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Card registry unreachable ({Reason}): {Answered} of {Known} known cards answered directly and stay in the table; the cards are asked directly until it answers again")]
    private partial void LogRegistryUnreachable(string reason, int answered, int known);

    [LoggerMessage(Level = LogLevel.Information, Message = "Card registry reachable again: {Cards} cards in its snapshot")]
    private partial void LogRegistryBack(int cards);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Card table refresh failed: {Reason}")]
    private partial void LogRefreshFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Avoiding the cards of silo {Silo} for {Seconds} s after a failed call to {Device}")]
    private partial void LogSiloAvoided(string silo, DeviceId device, double seconds);
}
