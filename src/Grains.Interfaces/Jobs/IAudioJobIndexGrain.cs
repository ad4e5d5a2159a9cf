namespace QwenTts.Grains.Interfaces.Jobs;

/// <summary>
/// The job index of earlier versions: one activation (key 0) holding every job a frontend had to look after, rewritten on
/// every change and walked by every poll. Jobs now live in PostgreSQL's audio_job_schedule; a frontend moves whatever
/// this index still holds there once (<c>LegacyJobIndexImport</c>), and nothing adds to it any more.
/// </summary>
public interface IAudioJobIndexGrain : IGrainWithIntegerKey
{
    Task<string[]> ListAsync();

    /// <summary>Forgets the ids (they are in the job queue now).</summary>
    Task RemoveAsync(string[] jobIds);
}
