using QwenTts.Frontend.Quotas;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Tenants;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>
/// What a WebSocket session's segments cost: each segment's characters are reserved against today's quota when it is
/// queued, charged once its audio starts (as a request's are on the HTTP path), and given back if it never spoke.
/// Segments are run and reserved on different tasks, hence the lock.
/// </summary>
internal sealed class StreamCharges
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CharacterReservation> _reservations = []; // by segment, until its first audio
    private readonly HashSet<string> _charged = [];
    private int _characters;

    /// <summary>Characters charged so far: those of segments whose audio started.</summary>
    public int Characters
    {
        get
        {
            lock (_gate)
            {
                return _characters;
            }
        }
    }

    public void Reserve(string segmentId, CharacterReservation reservation)
    {
        lock (_gate)
        {
            _reservations[segmentId] = reservation;
        }
    }

    /// <summary>A segment's characters count once its audio starts, once however many chunks follow.</summary>
    public void Charge(SynthesisJob job)
    {
        lock (_gate)
        {
            _reservations.Remove(job.RequestId);
            if (_charged.Add(job.RequestId))
            {
                _characters += job.Text.Length;
            }
        }
    }

    /// <summary>Segments dropped before their audio (input.clear, response.cancel): their reserved characters go back now.</summary>
    public async Task GiveBackAsync(IEnumerable<string> segmentIds, TenantQuotas quotas, Tenant tenant)
    {
        List<CharacterReservation> dropped = [];
        lock (_gate)
        {
            foreach (var id in segmentIds)
            {
                if (_reservations.Remove(id, out var reservation))
                {
                    dropped.Add(reservation);
                }
            }
        }

        foreach (var day in dropped.GroupBy(r => r.Day))
        {
            await quotas.ReleaseAsync(tenant, new CharacterReservation(day.Key, day.Sum(r => r.Characters)));
        }
    }

    /// <summary>
    /// Segments that produced no audio (refused, failed before their first frame, or never run because the session
    /// ended) cost nothing: their reserved characters go back to today's allowance, one call per day they were counted on.
    /// </summary>
    public async Task GiveBackUnspokenAsync(TenantQuotas quotas, Tenant tenant)
    {
        List<CharacterReservation> unspoken;
        lock (_gate)
        {
            unspoken = [.. _reservations.Values.GroupBy(r => r.Day).Select(day => new CharacterReservation(day.Key, day.Sum(r => r.Characters)))];
            _reservations.Clear();
        }

        foreach (var reservation in unspoken)
        {
            await quotas.ReleaseAsync(tenant, reservation);
        }
    }
}
