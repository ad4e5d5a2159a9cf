using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices.Cards;

/// <summary>
/// A card's health and its circuit breaker. Outcomes come from the card's utterances; the vendor tool's reading from
/// discovery. Unhealthy when the load-time self-test failed, the vendor tool reports an alarm, or the circuit is open
/// (<see cref="CardHealthOptions.FailuresToOpen"/> failures in a row, or too many non-finite outputs lately). An open
/// circuit closes only when a probe utterance passes. Degraded when something failed lately or the tool warns.
/// Thread-safe: outcomes arrive from the card's threads and the grain.
/// </summary>
public sealed class CardHealth(CardHealthOptions options, TimeProvider clock)
{
    private readonly Lock _lock = new();
    private readonly List<DateTimeOffset> _nonFinite = [];
    private int _failuresInARow;
    private DateTimeOffset? _lastFailureAt;
    private string? _lastFailure;
    private string? _openReason;
    private DateTimeOffset _lastProbeAt = DateTimeOffset.MinValue;

    /// <summary>
    /// The self-test's reason the model would not serve here (permanent until the card is reloaded); also set when a
    /// static shape fails to compile in the background warm-up.
    /// </summary>
    public string? SelfTestProblem { get; set; }

    /// <summary>The vendor tool's last word on the card ("OK", "Warning", "Alarm", ...); null where there is no tool.</summary>
    public string? VendorStatus { get; private set; }

    public bool CircuitOpen
    {
        get
        {
            lock (_lock)
            {
                return _openReason is not null;
            }
        }
    }

    public (DeviceHealth State, string? Reason) Current
    {
        get
        {
            lock (_lock)
            {
                var now = clock.GetUtcNow();
                if (SelfTestProblem is not null)
                {
                    return (DeviceHealth.Unhealthy, SelfTestProblem);
                }

                if (VendorStatus is { } vendor && IsVendorAlarm(vendor))
                {
                    return (DeviceHealth.Unhealthy, $"vendor tool reports {vendor}");
                }

                if (_openReason is not null)
                {
                    return (DeviceHealth.Unhealthy, _openReason);
                }

                if (VendorStatus is { } warning && !IsVendorOk(warning))
                {
                    return (DeviceHealth.Degraded, $"vendor tool reports {warning}");
                }

                return _lastFailureAt is { } at && now - at < options.DegradedFor
                    ? (DeviceHealth.Degraded, "recent failure: " + _lastFailure)
                    : (DeviceHealth.Healthy, null);
            }
        }
    }

    public void Succeeded()
    {
        lock (_lock)
        {
            _failuresInARow = 0;
        }
    }

    public void Failed(CardFailureKind kind, string message)
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            (_lastFailureAt, _lastFailure) = (now, $"{kind}: {message}");
            _failuresInARow++;
            if (kind == CardFailureKind.NonFinite)
            {
                _nonFinite.Add(now);
                _nonFinite.RemoveAll(t => now - t > options.NonFiniteWindow);
            }

            if (_openReason is null && _failuresInARow >= options.FailuresToOpen)
            {
                Open($"{_failuresInARow} utterances failed in a row, the last {_lastFailure}", now);
            }
            else if (_openReason is null && _nonFinite.Count >= options.NonFiniteToOpen)
            {
                Open($"{_nonFinite.Count} non-finite outputs within {options.NonFiniteWindow.TotalMinutes:0.#} min", now);
            }
        }
    }

    /// <summary>True when the circuit is open and the last probe is at least a probe interval old; marks the probe started.</summary>
    public bool TryStartProbe()
    {
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            if (_openReason is null || now - _lastProbeAt < options.ProbeInterval)
            {
                return false;
            }

            _lastProbeAt = now;
            return true;
        }
    }

    /// <summary>The probe utterance passed: the circuit closes and the card's failure history is cleared.</summary>
    public void ProbePassed()
    {
        lock (_lock)
        {
            (_openReason, _failuresInARow, _lastFailureAt, _lastFailure) = (null, 0, null, null);
            _nonFinite.Clear();
        }
    }

    public void ProbeFailed(string message)
    {
        lock (_lock)
        {
            _openReason = $"{_openReason?.Split(" (probe", 2)[0]} (probe failed: {message})";
        }
    }

    public void Vendor(string? status)
    {
        lock (_lock)
        {
            VendorStatus = string.IsNullOrWhiteSpace(status) ? null : status.Trim();
        }
    }

    private void Open(string reason, DateTimeOffset now) => (_openReason, _lastProbeAt) = (reason, now);

    private static bool IsVendorOk(string status) => status.Equals("OK", StringComparison.OrdinalIgnoreCase)
        || status.Equals("Normal", StringComparison.OrdinalIgnoreCase) || status.Equals("Healthy", StringComparison.OrdinalIgnoreCase);

    private static bool IsVendorAlarm(string status) => status.Contains("Alarm", StringComparison.OrdinalIgnoreCase)
        || status.Contains("Critical", StringComparison.OrdinalIgnoreCase) || status.Contains("Error", StringComparison.OrdinalIgnoreCase)
        || status.Contains("Fault", StringComparison.OrdinalIgnoreCase);
}
