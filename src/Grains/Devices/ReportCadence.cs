namespace QwenTts.Grains.Devices;

/// <summary>
/// When a card sends its load to the registry: at once when it changes (at most one every <see cref="Gap"/>; a change
/// within that is owed to the next tick, as is a report that failed), and every <paramref name="interval"/> regardless,
/// so the routers' table never goes stale. Used only from its card's grain.
/// </summary>
internal sealed class ReportCadence(TimeProvider clock, TimeSpan interval)
{
    /// <summary>Reports on changes no closer than this: a burst of admissions and completions is one report, not many.</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(50);

    private DateTimeOffset _last = DateTimeOffset.MinValue;
    private bool _owed;

    /// <summary>The load changed: true when a report should go now, else one is owed to the next tick.</summary>
    public bool Changed()
    {
        if (clock.GetUtcNow() - _last >= Gap)
        {
            return true;
        }

        _owed = true;
        return false;
    }

    /// <summary>The next tick sends a report.</summary>
    public void Owe() => _owed = true;

    /// <summary>A tick sends one: owed, or the interval has passed since the last.</summary>
    public bool Due => _owed || clock.GetUtcNow() - _last >= interval;

    /// <summary>A report is on its way (if it fails, <see cref="Owe"/>).</summary>
    public void Sending()
    {
        _owed = false;
        _last = clock.GetUtcNow();
    }
}
