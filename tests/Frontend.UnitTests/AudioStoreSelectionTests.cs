using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenTts.Storage.Audio;

namespace QwenTts.Frontend.UnitTests;

/// <summary>Jobs:Store picks the audio store, and a wrong choice or S3 setting is refused with a message that names it.</summary>
public sealed class AudioStoreSelectionTests
{
    [Fact]
    public void The_local_folder_is_the_default_store()
    {
        using var services = Build(new() { ["Jobs:Local:Directory"] = "/tmp/qwentts-audio-test" });
        Assert.Equal("local:/tmp/qwentts-audio-test", services.GetRequiredService<IAudioStore>().Description);
    }

    [Fact]
    public void Jobs_Store_s3_gives_the_s3_store_on_the_configured_bucket()
    {
        using var services = Build(new()
        {
            ["Jobs:Store"] = "s3",
            ["Jobs:S3:ServiceUrl"] = "http://127.0.0.1:9000",
            ["Jobs:S3:Bucket"] = "audio",
            ["Jobs:S3:Prefix"] = "prod/",
        });
        var store = services.GetRequiredService<IAudioStore>();
        Assert.IsType<S3AudioStore>(store);
        Assert.Equal("s3://audio/prod/ at http://127.0.0.1:9000", store.Description);
        Assert.True(services.GetRequiredService<IOptions<S3AudioStoreOptions>>().Value.UsesPathStyle, "path-style URLs with a ServiceUrl");
    }

    [Theory]
    [InlineData("", "http://127.0.0.1:9000", "", "Jobs:S3:Bucket")]
    [InlineData("audio", "minio:9000", "", "Jobs:S3:ServiceUrl")]
    [InlineData("audio", "http://127.0.0.1:9000", "/prod", "Jobs:S3:Prefix")]
    public void Invalid_s3_settings_are_refused_by_name(string bucket, string serviceUrl, string prefix, string named)
    {
        using var services = Build(new()
        {
            ["Jobs:Store"] = "s3",
            ["Jobs:S3:ServiceUrl"] = serviceUrl,
            ["Jobs:S3:Bucket"] = bucket,
            ["Jobs:S3:Prefix"] = prefix,
        });
        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<S3AudioStoreOptions>>().Value);
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_store_and_the_old_directory_key_are_refused()
    {
        var unknown = Assert.Throws<OptionsValidationException>(() => Build(new() { ["Jobs:Store"] = "ftp" }));
        Assert.Contains("'local' or 's3'", unknown.Message, StringComparison.Ordinal);
        var moved = Assert.Throws<OptionsValidationException>(() => Build(new() { ["Jobs:Store:Directory"] = "/srv/audio" }));
        Assert.Contains("Jobs:Local:Directory", moved.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddMetrics().AddQwenTtsAudioStore(configuration).BuildServiceProvider();
    }
}
