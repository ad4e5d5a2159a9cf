namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>The list of one tenant's named voices, keyed by tenant id. Kept by the voice grains as they change.</summary>
public interface ITenantVoicesGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<VoiceSummary>> ListAsync();

    /// <summary>The voice name (grain key part) of a voice id (<c>voice_...</c>), or null when the tenant has none.</summary>
    Task<string?> FindNameAsync(string id);

    /// <summary>The voice name of the one voice with this display name (vLLM-Omni speaks uploaded voices by name); null when none or several.</summary>
    Task<string?> FindByDisplayNameAsync(string displayName);

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
    [property: Id(6)] ulong Seed = 0,
    [property: Id(7)] string? Id = null,
    [property: Id(8)] string Type = VoiceTypes.Prompt,
    [property: Id(9)] string? DisplayName = null,
    [property: Id(10)] string? DerivedBy = null)
{
    public static VoiceSummary Of(VoiceProfile profile) => new(profile.Name, profile.Description, profile.Language,
        profile.CreatedAt, profile.UpdatedAt, profile.ClonePrompt is not null, profile.Seed, profile.Id, profile.Type,
        profile.DisplayName, profile.ClonePrompt?.DerivedBy);

    public string PromptStatus => Cloned ? "ready" : "pending";
}
