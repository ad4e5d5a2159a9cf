using Microsoft.Extensions.Options;

namespace QwenTts.Storage.Audio;

/// <summary>
/// The embedded default's audio store: files under one folder, written to a temporary name and renamed into place.
/// A filesystem that fails (full, read-only, permissions) is an <see cref="AudioStoreUnavailableException"/>, counted.
/// </summary>
public sealed class LocalAudioStore(IOptions<LocalAudioStoreOptions> options, AudioStoreMetrics metrics) : IAudioStore
{
    private readonly string _root = Path.GetFullPath(options.Value.Directory);

    public string Description => "local:" + _root;

    public async Task PutAsync(string key, Stream content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure("put", key, ex);
        }

        var temporary = path + ".partial-" + Guid.NewGuid().ToString("N");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await content.CopyToAsync(file, cancellationToken);
                await file.FlushAsync(cancellationToken);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure("put", key, ex);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public Task<Stream?> OpenReadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(key), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 16, useAsync: true));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure("read", key, ex);
        }
    }

    public Task DeletePrefixAsync(string prefix, CancellationToken cancellationToken)
    {
        var path = PathOf(prefix.TrimEnd('/'));
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
            else
            {
                File.Delete(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Failure("delete", prefix, ex);
        }

        return Task.CompletedTask;
    }

    private string PathOf(string key) => Path.Combine(_root, AudioStoreKeys.Validate(key));

    private AudioStoreUnavailableException Failure(string operation, string key, Exception ex)
    {
        metrics.Failed("local", operation);
        return new AudioStoreUnavailableException($"the local audio store ({_root}) failed to {operation} {key}: {ex.Message}", ex);
    }
}
