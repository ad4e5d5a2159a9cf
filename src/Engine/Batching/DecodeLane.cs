using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Acceleration;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Batching;

/// <summary>
/// A decode loop for up to <c>rows</c> utterances: the same step of all of them in one batched run. Each utterance keeps
/// its own thread for what is its own (sampling with its seed, its repetition state, stopping, the codec decode) and
/// blocks in its talker or predictor call until the lane ran it. Utterances join after their own prefill, at whatever
/// phase of a frame the others are in, and leave at EOS, cancellation or failure; a row that fails (NaN logits) fails
/// only its utterance, in its own generator.
/// </summary>
/// <remarks>
/// The lane has no thread of its own: whichever waiting utterance finds a group ready runs it for all (an utterance alone
/// runs its own steps on its own thread, as an unbatched card would), and the others wake with their results. A group is
/// ready once every utterance of the lane that is not away (taking its frame's audio) is blocked in a call, or the grace
/// has passed since the lane's last run. Which group: a prompt prefill if one waits; else the replayed talker steps of
/// resumed streams, every other run (they catch up fast without freezing the others); else the phase of a frame with the
/// most calls waiting (ties: the earliest phase), so an utterance out of step (one that just joined) waits at most a frame
/// for the others to come round to its phase and then steps with them. A call passed over <see cref="MaxPassedOver"/>
/// times goes next whatever its phase.
/// </remarks>
public sealed class DecodeLane : IDisposable
{
    private const int MaxPassedOver = 2 * (LaneCall.LastPredictorPhase + 1);
    private readonly object _gate = new();
    private readonly List<LaneCall> _pending = [];
    private readonly LaneMember?[] _rows;
    private readonly LaneSteps _steps;
    private readonly TimeSpan _grace;
    private int _members;
    private bool _stopping;
    private bool _running;
    private long _idleSince = Stopwatch.GetTimestamp();
    private long _runs;
    private long _rowsRun;
    private int _away;
    private bool _lastRunWasReplay;

    public DecodeLane(BatchedDecodeSteps steps, InferenceSession prefillTalker, bool talkerAloneIsEqual, BatchingOptions options)
    {
        _rows = new LaneMember?[options.Rows];
        _steps = new LaneSteps(steps, prefillTalker, talkerAloneIsEqual, options.Rows, options.InitialSlots);
        _grace = options.EffectiveGrace;
    }

    public int Capacity => _rows.Length;

    /// <summary>Utterances in the lane now.</summary>
    public int Members
    {
        get
        {
            lock (_gate)
            {
                return _members;
            }
        }
    }

    /// <summary>Batched runs so far and the rows they carried.</summary>
    public (long Runs, long Rows) Counts
    {
        get
        {
            lock (_gate)
            {
                return (_runs, _rowsRun);
            }
        }
    }

    /// <summary>A place in the lane, or null when every row is taken; <paramref name="left"/> runs when it leaves.</summary>
    public LaneMember? TryJoin(OrtTimer timer, Action? left = null)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            var row = Array.IndexOf(_rows, null);
            if (row < 0)
            {
                return null;
            }

            var member = new LaneMember(this, row, timer, left);
            _rows[row] = member;
            _members++;
            Monitor.PulseAll(_gate);
            return member;
        }
    }

    internal void Leave(LaneMember member)
    {
        lock (_gate)
        {
            _rows[member.Row] = null;
            _members--;
            _away -= member.Away ? 1 : 0;
            member.MarkAway(false);
            _pending.RemoveAll(c => c.Member == member); // none through the frame generator; never run a call on a row given away
            if (_members == 0 && !_running)
            {
                _steps.Shrink(); // a long utterance's cache is not held for the lane's lifetime
            }

            Monitor.PulseAll(_gate);
        }
    }

    internal void SetAway(LaneMember member, bool away)
    {
        lock (_gate)
        {
            if (member.Away != away && _rows[member.Row] == member)
            {
                member.MarkAway(away);
                _away += away ? 1 : -1;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <summary>Hands the call to the lane and returns once it ran; its failure is rethrown as it was.</summary>
    internal void Call(LaneCall call)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _pending.Add(call);
            Monitor.PulseAll(_gate);
        }

        while (RunOrWait(call) is { } run)
        {
            try
            {
                Run(run.Group, run.InUse);
            }
            finally
            {
                lock (_gate)
                {
                    run.Group.ForEach(c => c.Completed = true);
                    _running = false;
                    _idleSince = Stopwatch.GetTimestamp();
                    Monitor.PulseAll(_gate);
                }
            }
        }

        if (call.Failure is { } failure)
        {
            ExceptionDispatchInfo.Capture(failure).Throw();
        }
    }

    /// <summary>Null once the call ran; else a group this thread is to run for the lane (with the call in it or not).</summary>
    private (List<LaneCall> Group, LaneMember[] InUse)? RunOrWait(LaneCall call)
    {
        lock (_gate)
        {
            while (!call.Completed)
            {
                if (_stopping && !_running)
                {
                    FailPending(new ObjectDisposedException(nameof(DecodeLane), "The card's decode lane stopped."));
                    return null;
                }

                if (!_running && ReadyToRun())
                {
                    var group = TakeGroup();
                    _running = true;
                    _runs++;
                    _rowsRun += group.Count;
                    return (group, [.. _rows.OfType<LaneMember>()]);
                }

                // Whole milliseconds at least: Monitor.Wait truncates, and a wait of 0 would spin on the lock.
                var left = _grace - Stopwatch.GetElapsedTime(_idleSince);
                Monitor.Wait(_gate, !_running && left > TimeSpan.Zero ? TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)) : Timeout.InfiniteTimeSpan);
            }

            return null;
        }
    }

    /// <summary>Calls wait, and every utterance of the lane is waiting in one (or the grace is over).</summary>
    private bool ReadyToRun() =>
        _pending.Count > 0 && (_pending.Count >= _members - _away || Stopwatch.GetElapsedTime(_idleSince) >= _grace);

    private List<LaneCall> TakeGroup()
    {
        var group = Choose();
        _pending.RemoveAll(group.Contains);
        foreach (var waiting in _pending)
        {
            waiting.PassedOver++;
        }

        _lastRunWasReplay = group.All(c => c.Replay);
        return group;
    }

    private List<LaneCall> Choose()
    {
        if (_pending.FirstOrDefault(c => c.Phase == LaneCall.PrefillPhase) is { } prefill)
        {
            return [prefill];
        }

        var others = _pending.Any(c => !c.Replay);
        if (_pending.Any(c => c.Replay) && (!_lastRunWasReplay || !others))
        {
            return [.. _pending.Where(c => c.Replay)];
        }

        if (_pending.FirstOrDefault(c => c.PassedOver >= MaxPassedOver && !c.Replay) is { } overdue)
        {
            return [.. _pending.Where(c => c.Phase == overdue.Phase && !c.Replay)];
        }

        var phase = _pending.Where(c => !c.Replay).GroupBy(c => c.Phase)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key).First().Key;
        return [.. _pending.Where(c => c.Phase == phase && !c.Replay)];
    }

    private void Run(List<LaneCall> group, LaneMember[] inUse)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            switch (group[0].Phase)
            {
                case LaneCall.PrefillPhase:
                    _steps.Prefill(group[0], inUse.Where(m => m != group[0].Member).Select(m => m.Length).DefaultIfEmpty(0).Max());
                    break;
                case LaneCall.TalkerPhase:
                    _steps.Talker(group, inUse);
                    break;
                default:
                    _steps.Predictor(group, inUse);
                    break;
            }
        }
        catch (Exception ex)
        {
            group.ForEach(call => call.Failure = ex);
        }

        var graph = group[0].Phase switch
        {
            LaneCall.PrefillPhase => SlotDecoderGraph.TalkerName,
            LaneCall.TalkerPhase => BatchedDecodeSteps.TalkerName,
            _ => BatchedDecodeSteps.PredictorName,
        };
        foreach (var call in group)
        {
            call.Member.Timer.Stop(started, graph);
        }
    }

    private void FailPending(Exception failure)
    {
        foreach (var call in _pending)
        {
            call.Failure = failure;
            call.Completed = true;
        }

        _pending.Clear();
    }

    /// <summary>Stops the lane: calls not yet run fail; a run under way finishes first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
            while (_running)
            {
                Monitor.Wait(_gate);
            }
        }

        _steps.Dispose();
    }
}
