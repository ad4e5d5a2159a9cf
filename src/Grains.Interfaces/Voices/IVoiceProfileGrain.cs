namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>One named voice, keyed <c>{tenant}/{voiceName}</c> (see <see cref="VoiceKey"/>), persisted in PostgreSQL.</summary>
public interface IVoiceProfileGrain : IGrainWithStringKey
{
    /// <summary>Read on every speech request: a short timeout, so a call to a silo that just died is retried promptly.</summary>
    [ResponseTimeout("00:00:10")]
    Task<VoiceProfile?> GetAsync();

    /// <summary>Creates a prompt voice; <see cref="VoiceWriteStatus.AlreadyExists"/> when the name is taken.</summary>
    [ResponseTimeout("00:03:00")]
    Task<VoiceWriteResult> CreateAsync(VoiceDesign design, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates an audio_sample voice: the Base model's prompt of the recording, derived on a card that holds it;
    /// <see cref="VoiceWriteStatus.CannotDerive"/> (nothing stored) when no card does, and
    /// <see cref="VoiceWriteStatus.SpeakerMismatch"/> (nothing stored) when the recording's speaker is not the consent's.
    /// </summary>
    [ResponseTimeout("00:03:00")]
    Task<VoiceWriteResult> CreateFromSampleAsync(VoiceSample sample, CancellationToken cancellationToken = default);

    /// <summary>Changes the description (and optionally language); the stored prompt is derived again.</summary>
    [ResponseTimeout("00:03:00")]
    Task<VoiceWriteResult> UpdateAsync(VoiceDesign design, CancellationToken cancellationToken = default);

    /// <summary>The voice, its clone prompt derived first when it is still pending and a card with the Base model exists now.</summary>
    [ResponseTimeout("00:03:00")]
    Task<VoiceProfile?> EnsureClonePromptAsync(CancellationToken cancellationToken = default);

    Task<VoiceWriteResult> DeleteAsync();
}

/// <summary>
/// An audio_sample voice to make: the recording (mono, 24 kHz), its transcript when known (then the prompt carries
/// reference codes, in-context learning; else the x-vector alone), under a consent of the same tenant: the consent
/// recording's speaker embedding, which the recording's must match with a cosine of at least
/// <paramref name="MinConsentSimilarity"/>.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VoiceSample(
    [property: Id(0)] string Id,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] string Language,
    [property: Id(3)] string ConsentId,
    [property: Id(4)] float[] Samples,
    [property: Id(5)] string? ReferenceText,
    [property: Id(6)] string? Description = null,
    [property: Id(7)] float[]? ConsentSpeaker = null,
    [property: Id(8)] double MinConsentSimilarity = 1);
