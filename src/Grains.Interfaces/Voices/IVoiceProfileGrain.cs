namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>One named voice, keyed <c>{tenant}/{voiceName}</c> (see <see cref="VoiceKey"/>), persisted in PostgreSQL.</summary>
public interface IVoiceProfileGrain : IGrainWithStringKey
{
    /// <summary>Read on every speech request: a short timeout, so a call to a silo that just died is retried promptly.</summary>
    [ResponseTimeout("00:00:10")]
    Task<VoiceProfile?> GetAsync();

    /// <summary>Creates the voice; <see cref="VoiceWriteStatus.AlreadyExists"/> when the name is taken.</summary>
    [ResponseTimeout("00:03:00")]
    Task<VoiceWriteResult> CreateAsync(VoiceDesign design);

    /// <summary>Changes the description (and optionally language); the stored prompt is derived again.</summary>
    [ResponseTimeout("00:03:00")]
    Task<VoiceWriteResult> UpdateAsync(VoiceDesign design);

    Task<VoiceWriteResult> DeleteAsync();
}
