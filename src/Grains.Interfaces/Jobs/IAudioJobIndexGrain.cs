namespace QwenTts.Grains.Interfaces.Jobs;

/// <summary>
/// The job index of earlier versions: one activation (key 0) holding every job a frontend had to look after, rewritten on
/// every change and walked by every poll. Jobs now live in PostgreSQL's audio_job_schedule; a frontend moves whatever
/// this index holds there (<c>LegacyJobIndexImport</c>, every minute or so), and only frontends of the previous version add to it, during a rolling upgrade.
/// </summary>
public interface IAudioJobIndexGrain : IGrainWithIntegerKey
{
    Task<string[]> ListAsync();

    /// <summary>Forgets the ids (they are in the job queue now).</summary>
    Task ForgetAsync(string[] jobIds);

    /// <summary>Frontends of the previous version still add their new jobs here during a rolling upgrade; they are moved from here.</summary>
    Task AddAsync(string jobId);

    /// <summary>Kept for frontends of the previous version.</summary>
    Task RemoveAsync(string jobId);
}
