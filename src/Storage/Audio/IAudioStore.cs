namespace QwenTts.Storage.Audio;

/// <summary>
/// Where asynchronous jobs keep their audio (finished segments while a job runs, then the whole file) until it
/// expires. Keys are relative paths of lowercase letters, digits, '-', '_', '.' and '/'. Writes are atomic: a reader
/// sees the whole object or none.
/// </summary>
public interface IAudioStore
{
    /// <summary>For logs and health: "local:/path" or "s3://bucket".</summary>
    string Description { get; }

    Task PutAsync(string key, Stream content, CancellationToken cancellationToken);

    /// <summary>A seekable stream over the object, or null when there is none.</summary>
    Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken);

    /// <summary>Deletes every object whose key starts with <paramref name="prefix"/>; nothing to delete is fine.</summary>
    Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken);
}
