using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenTts.Storage.Audio;

namespace QwenTts.Frontend.UnitTests;

/// <summary>The local store keeps whole objects, deletes by prefix, and reports a failing filesystem as the store being unavailable.</summary>
public sealed class LocalAudioStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "qwentts-local-store-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task Objects_round_trip_and_a_prefix_delete_removes_them()
    {
        var store = Store(_root);
        await store.PutAsync("jobs/a/segments/000001.f32", new MemoryStream([1, 2, 3]), CancellationToken.None);
        await using (var read = await store.OpenReadAsync("jobs/a/segments/000001.f32", CancellationToken.None))
        {
            Assert.NotNull(read);
            Assert.Equal(3, read.Length);
        }

        Assert.Null(await store.OpenReadAsync("jobs/b/audio.mp3", CancellationToken.None));
        await store.DeletePrefixAsync("jobs/a/", CancellationToken.None);
        Assert.Null(await store.OpenReadAsync("jobs/a/segments/000001.f32", CancellationToken.None));
    }

    [Fact]
    public async Task A_store_folder_that_cannot_be_written_is_the_store_unavailable()
    {
        Directory.CreateDirectory(_root);
        var file = Path.Combine(_root, "not-a-folder");
        await File.WriteAllTextAsync(file, "x");
        var error = await Assert.ThrowsAsync<AudioStoreUnavailableException>(() =>
            Store(file).PutAsync("jobs/a/audio.mp3", new MemoryStream([1]), CancellationToken.None));
        Assert.Contains("local audio store", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _services.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private LocalAudioStore Store(string directory) =>
        new(Options.Create(new LocalAudioStoreOptions { Directory = directory }), new AudioStoreMetrics(_services.GetRequiredService<IMeterFactory>()));
}
