using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace QwenTts.Storage.Audio;

public static class AudioStoreServiceCollectionExtensions
{
    /// <summary>The jobs' audio store: the local filesystem (<c>Jobs:Store:Directory</c>).</summary>
    public static IServiceCollection AddQwenTtsAudioStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AudioStoreOptions>().Bind(configuration.GetSection(AudioStoreOptions.Section))
            .Validate(o => !string.IsNullOrWhiteSpace(o.Directory), "Jobs:Store:Directory must name a folder.").ValidateOnStart();
        services.AddSingleton<IAudioStore, LocalAudioStore>();
        return services;
    }
}
