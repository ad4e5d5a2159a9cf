namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>
/// A named voice of one tenant. A "prompt" voice is a description, a language and a seed, plus — once a card with the
/// Base model has derived it — the design-then-clone prompt that fixes the speaker. An "audio_sample" voice is the
/// clone prompt of an uploaded recording, made under a consent of the same tenant, with how close its speaker came to
/// the consent recording's (<see cref="ConsentSimilarity"/>, the cosine of the two speaker embeddings).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VoiceProfile(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string Name,
    [property: Id(2)] string Description,
    [property: Id(3)] string Language,
    [property: Id(4)] ulong Seed,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] DateTimeOffset UpdatedAt,
    [property: Id(7)] VoiceClonePrompt? ClonePrompt = null,
    [property: Id(8)] string? Id = null,
    [property: Id(9)] string Type = VoiceTypes.Prompt,
    [property: Id(10)] string? DisplayName = null,
    [property: Id(11)] string? ScriptHint = null,
    [property: Id(12)] string? ConsentId = null,
    [property: Id(13)] string? PromptProblem = null,
    [property: Id(14)] double? ConsentSimilarity = null)
{
    /// <summary>"ready" when the clone prompt is stored, else "pending" (derived when a card with the Base model appears).</summary>
    public string PromptStatus => ClonePrompt is not null ? "ready" : "pending";
}

public static class VoiceTypes
{
    public const string Prompt = "prompt";
    public const string AudioSample = "audio_sample";
}

/// <summary>What the official design-then-clone workflow stores: speaker x-vector plus reference codes and text.</summary>
[GenerateSerializer, Immutable]
public sealed record VoiceClonePrompt(
    [property: Id(0)] float[] SpeakerEmbedding,
    [property: Id(1)] long[] ReferenceCodes,
    [property: Id(2)] int ReferenceFrames,
    [property: Id(3)] string ReferenceText,
    [property: Id(4)] string? DerivedBy = null)
{
    /// <summary>A short hash of the embedding and codes, so a caller can see two cards used the same stored prompt.</summary>
    public string Fingerprint()
    {
        var bytes = new byte[SpeakerEmbedding.Length * sizeof(float) + ReferenceCodes.Length * sizeof(long)];
        Buffer.BlockCopy(SpeakerEmbedding, 0, bytes, 0, SpeakerEmbedding.Length * sizeof(float));
        Buffer.BlockCopy(ReferenceCodes, 0, bytes, SpeakerEmbedding.Length * sizeof(float), ReferenceCodes.Length * sizeof(long));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))[..16];
    }
}

/// <summary>What a caller supplies to create or re-derive a prompt voice.</summary>
[GenerateSerializer, Immutable]
public sealed record VoiceDesign(
    [property: Id(0)] string Description,
    [property: Id(1)] string Language,
    [property: Id(2)] ulong? Seed = null,
    [property: Id(3)] string? ScriptHint = null,
    [property: Id(4)] string? Id = null,
    [property: Id(5)] string? DisplayName = null);

public enum VoiceWriteStatus
{
    Created,
    Updated,
    Deleted,
    AlreadyExists,
    NotFound,

    /// <summary>The clone prompt could not be derived (no card holds the Base model, or it failed); nothing stored.</summary>
    CannotDerive,

    /// <summary>The recording's speaker is not the consent's (similarity below the threshold); nothing stored.</summary>
    SpeakerMismatch,
}

[GenerateSerializer, Immutable]
public sealed record VoiceWriteResult(
    [property: Id(0)] VoiceWriteStatus Status,
    [property: Id(1)] VoiceProfile? Profile,
    [property: Id(2)] string? Problem = null,
    [property: Id(3)] double? Similarity = null);
