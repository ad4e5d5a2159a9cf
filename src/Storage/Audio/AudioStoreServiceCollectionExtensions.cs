using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace QwenTts.Storage.Audio;

public static class AudioStoreServiceCollectionExtensions
{
    public const string KindKey = "Jobs:Store";

    /// <summary>
    /// The jobs' audio store chosen by <c>Jobs:Store</c>: <c>local</c> (the default; <c>Jobs:Local:Directory</c>) or
    /// <c>s3</c> (<c>Jobs:S3:*</c>, credentials from the AWS SDK's chain). A wrong choice or setting stops the start.
    /// </summary>
    public static IServiceCollection AddQwenTtsAudioStore(this IServiceCollection services, IConfiguration configuration)
    {
        if (configuration[KindKey + ":Directory"] is not null)
        {
            throw new OptionsValidationException(KindKey, typeof(LocalAudioStoreOptions),
                ["Jobs:Store:Directory has moved: set Jobs:Local:Directory (and Jobs:Store=local or s3 to choose the store)."]);
        }

        services.AddSingleton<AudioStoreMetrics>();
        switch (configuration[KindKey]?.Trim().ToLowerInvariant() ?? "local")
        {
            case "local":
                services.AddOptions<LocalAudioStoreOptions>().Bind(configuration.GetSection(LocalAudioStoreOptions.Section))
                    .Validate(o => !string.IsNullOrWhiteSpace(o.Directory), "Jobs:Local:Directory must name a folder.").ValidateOnStart();
                services.AddSingleton<IAudioStore, LocalAudioStore>();
                break;
            case "s3":
                services.AddOptions<S3AudioStoreOptions>().Bind(configuration.GetSection(S3AudioStoreOptions.Section)).ValidateOnStart();
                services.AddSingleton<IValidateOptions<S3AudioStoreOptions>, S3AudioStoreOptionsValidator>();
                services.AddSingleton<IAudioStore, S3AudioStore>();
                break;
            case var other:
                throw new OptionsValidationException(KindKey, typeof(LocalAudioStoreOptions), [$"Jobs:Store is '{other}': it must be 'local' or 's3'."]);
        }

        return services;
    }

    private sealed class S3AudioStoreOptionsValidator : IValidateOptions<S3AudioStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, S3AudioStoreOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
