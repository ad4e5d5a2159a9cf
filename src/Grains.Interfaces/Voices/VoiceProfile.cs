namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>
/// A named voice of one tenant. Without the Base model it is a description, a language and a seed, so sampling is
/// reproducible; with the Base model it also carries the design-then-clone prompt that fixes the speaker.
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
    [property: Id(7)] VoiceClonePrompt? ClonePrompt = null);

/// <summary>What the official design-then-clone workflow stores: speaker x-vector plus reference codes and text.</summary>
[GenerateSerializer, Immutable]
public sealed record VoiceClonePrompt(
    [property: Id(0)] float[] SpeakerEmbedding,
    [property: Id(1)] long[] ReferenceCodes,
    [property: Id(2)] int ReferenceFrames,
    [property: Id(3)] string ReferenceText);

/// <summary>What a caller supplies to create or re-derive a voice.</summary>
[GenerateSerializer, Immutable]
public sealed record VoiceDesign(
    [property: Id(0)] string Description,
    [property: Id(1)] string Language,
    [property: Id(2)] ulong? Seed = null);

public enum VoiceWriteStatus
{
    Created,
    Updated,
    Deleted,
    AlreadyExists,
    NotFound,
}

[GenerateSerializer, Immutable]
public sealed record VoiceWriteResult(
    [property: Id(0)] VoiceWriteStatus Status,
    [property: Id(1)] VoiceProfile? Profile);
