using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Grains.Interfaces.Tenants;

namespace QwenTts.Grains.Interfaces.Jobs;

/// <summary>
/// What an asynchronous audio job makes: its segments in text order, spoken with one voice and seed. It keeps the
/// characters it reserved from its tenant's quota, to give back if it fails or is deleted before its audio is made,
/// and what its voice is spoken from (see the frontend's VoiceSources).
/// </summary>
/// <param name="Styles">SSML: each segment's speed, language and pause before it (null: plain text, <see cref="Speed"/> and <see cref="Language"/> for all).</param>
/// <param name="SampleRate">The output sample rate; 0 (a job stored before the field) is the model's rate.</param>
/// <param name="Pitch">Pitch shift in semitones (0 leaves it).</param>
/// <param name="Volume">Linear gain with a limiter; null (also a job stored before the field) leaves the loudness.</param>
/// <param name="AiNotice">The tenant's explicit AI-content label (the Morse rhythm) goes at the start of the audio.</param>
/// <param name="TextSpans">Each segment's range in the submitted input, flattened: start, end (UTF-16, end exclusive) per segment; null for a job stored before the field.</param>
/// <param name="SubmittedTrace">The W3C traceparent of the request that submitted the job: each segment's trace links to it.</param>
[GenerateSerializer, Immutable]
public sealed record AudioJobSpec(
    [property: Id(0)] string Tenant,
    [property: Id(1)] string[] Segments,
    [property: Id(2)] string Language,
    [property: Id(3)] VoiceSpec Voice,
    [property: Id(4)] string? VoiceName,
    [property: Id(5)] ulong Seed,
    [property: Id(6)] string Format,
    [property: Id(7)] double Speed,
    [property: Id(8)] int Characters,
    [property: Id(9)] string? CallbackUrl,
    [property: Id(10)] TimeSpan Retention,
    [property: Id(11)] string? Source = null,
    [property: Id(12)] string? SubmittedTrace = null,
    [property: Id(13)] CharacterReservation? Reservation = null,
    [property: Id(14)] string? VoiceSource = null,
    [property: Id(15)] int SampleRate = 0,
    [property: Id(16)] double Pitch = 0,
    [property: Id(17)] double? Volume = null,
    [property: Id(18)] SegmentStyle[]? Styles = null,
    [property: Id(19)] int TrailingPauseMilliseconds = 0,
    [property: Id(20)] bool AiNotice = false,
    [property: Id(21)] int[]? TextSpans = null);
