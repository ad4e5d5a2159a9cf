using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Interfaces.Devices;

/// <summary>
/// One card, keyed "{silo}/{index}" and always activated on that silo. Owns the card's queue: admits or refuses
/// work, runs up to N utterances at once and streams their audio back.
/// </summary>
public interface IDeviceGrain : IGrainWithStringKey
{
    /// <summary>
    /// Streams the job's events: first <see cref="SynthesisEventKind.Admitted"/> or <see cref="SynthesisEventKind.Rejected"/>,
    /// then audio as it is generated, then <see cref="SynthesisEventKind.Completed"/> (or Failed).
    /// </summary>
    [ResponseTimeout("00:10:00")]
    IAsyncEnumerable<SynthesisEvent> SynthesizeAsync(SynthesisJob job, CancellationToken cancellationToken = default);

    Task<DeviceLoad> GetLoadAsync();

    /// <summary>Starts the card's reporting; called by its silo at start-up.</summary>
    Task StartAsync();

    /// <summary>
    /// Design-then-clone: synthesise a reference clip from the design and derive the Base model prompt. Cancelled (while it
    /// waits for a slot, or between its steps) when <paramref name="cancellationToken"/> is, e.g. when the caller went away.
    /// </summary>
    [ResponseTimeout("00:05:00")]
    Task<VoiceClonePrompt> DeriveClonePromptAsync(VoiceDesign design, ulong seed, CancellationToken cancellationToken = default);

    /// <summary>The Base model's prompt of a recording (mono, 24 kHz); with its transcript, reference codes too. Cancellable as above.</summary>
    [ResponseTimeout("00:05:00")]
    Task<VoiceClonePrompt> CloneRecordingAsync([Immutable] float[] samples, string? referenceText, CancellationToken cancellationToken = default);

    /// <summary>The Base model's speaker embedding (x-vector) of a recording (mono, 24 kHz), to compare two recordings' speakers.</summary>
    [ResponseTimeout("00:05:00")]
    Task<float[]> EmbedSpeakerAsync([Immutable] float[] samples, CancellationToken cancellationToken = default);
}
