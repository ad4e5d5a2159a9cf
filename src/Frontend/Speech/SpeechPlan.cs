using QwenTts.Audio.Effects;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// A validated speech request, ready to run: normalised segments, resolved voice, format and output sample rate. SSML gives
/// each segment its own speed, language and pause before it (<see cref="Styles"/>, one a segment) and silence at the end.
/// <see cref="Spans"/>: each segment's range in the input, where the segments are runs of it (plain text without lexicons).
/// </summary>
public sealed record SpeechPlan(
    Tenant Tenant,
    string RequestId,
    IReadOnlyList<string> Segments,
    string Language,
    VoiceSpec Voice,
    string? VoiceName,
    ulong Seed,
    string Format,
    double Speed,
    bool ServerSentEvents,
    int Characters,
    int? MaxNewTokens = null,
    PendingVoice? PendingVoice = null,
    string VoiceSource = VoiceSources.Description,
    int SampleRate = SpeechStreamer.SampleRate,
    double Pitch = 0,
    double Volume = 1,
    IReadOnlyList<SegmentStyle>? Styles = null,
    int TrailingPauseMilliseconds = 0,
    IReadOnlyList<Text.TextSegment>? Spans = null)
{
    /// <summary>speed, pitch and volume, as the audio side applies them.</summary>
    public SpeechControls Controls => new(Speed, Pitch, Volume);
}

/// <summary>A request's validated settings apart from its text; "auto" language is resolved per text.</summary>
public sealed record SpeechSettings(string Format, double Speed, bool ServerSentEvents, string Language, VoiceSpec Voice, string? VoiceName, ulong Seed,
    int? MaxNewTokens = null, PendingVoice? Pending = null, string VoiceSource = VoiceSources.Description, int SampleRate = SpeechStreamer.SampleRate,
    double Pitch = 0, double Volume = 1)
{
    /// <summary>speed, pitch and volume, as the audio side applies them.</summary>
    public SpeechControls Controls => new(Speed, Pitch, Volume);

    public string LanguageFor(string text) => Language == Text.SupportedLanguages.Auto ? Text.LanguageDetector.Detect(text) : Language;
}

/// <summary>
/// Card work a request's voice still needs, done only after the request passed its rate and character limits
/// (<see cref="SpeechPlanner.PrepareVoiceAsync"/>), and cancelled with the request.
/// </summary>
public abstract record PendingVoice
{
    /// <summary>ref_audio to decode and clone on a card with the Base model.</summary>
    public sealed record ReferenceClone(ReferenceAudio Audio, string? Instructions) : PendingVoice;

    /// <summary>A prompt voice made while no card held the Base model: its prompt is derived (and stored) if a card can now.</summary>
    public sealed record StoredPrompt(string Tenant, string Name) : PendingVoice;
}

/// <summary>What a request's voice is spoken from, as the X-QwenTts-Voice-Source header, SSE's speech.audio.done and a job say.</summary>
public static class VoiceSources
{
    public const string Header = "X-QwenTts-Voice-Source";

    /// <summary>A voice's stored clone prompt (its fixed speaker), on a card with the Base model.</summary>
    public const string StoredPrompt = "stored-prompt";

    /// <summary>A speaker cloned from this request's ref_audio.</summary>
    public const string ReferenceAudio = "ref-audio";

    /// <summary>A description and seed spoken by VoiceDesign (instructions, a built-in voice, or a prompt voice whose prompt is pending).</summary>
    public const string Description = "description";

    /// <summary>
    /// A saved or built-in voice's description with the request's instructions added, spoken by VoiceDesign with the
    /// voice's seed. A voice's stored prompt is not used then: instructions need VoiceDesign, which cannot speak from it.
    /// </summary>
    public const string DescriptionWithInstructions = "description-with-instructions";
}
