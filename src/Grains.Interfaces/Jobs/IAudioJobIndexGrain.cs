namespace QwenTts.Grains.Interfaces.Jobs;

/// <summary>
/// The jobs that still need a frontend's attention: unfinished ones (to run or resume) and completed ones whose
/// audio has not expired yet. A single activation (key 0); persisted, so a restart of everything loses no job.
/// </summary>
public interface IAudioJobIndexGrain : IGrainWithIntegerKey
{
    Task AddAsync(string jobId);

    Task RemoveAsync(string jobId);

    Task<string[]> ListAsync();
}
