namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>The list of one tenant's named voices, keyed by tenant id. Kept by the voice grains as they change.</summary>
public interface ITenantVoicesGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<VoiceSummary>> ListAsync();

    Task UpsertAsync(VoiceSummary voice);

    Task RemoveAsync(string name);
}

[GenerateSerializer, Immutable]
public sealed record VoiceSummary(
    [property: Id(0)] string Name,
    [property: Id(1)] string Description,
    [property: Id(2)] string Language,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] bool Cloned,
    [property: Id(6)] ulong Seed = 0)
{
    public static VoiceSummary Of(VoiceProfile profile) => new(profile.Name, profile.Description, profile.Language,
        profile.CreatedAt, profile.UpdatedAt, profile.ClonePrompt is not null, profile.Seed);
}
