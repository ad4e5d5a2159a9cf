using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech;

/// <summary>A validated speech request, ready to run: normalised segments, resolved voice, format.</summary>
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
    int? MaxNewTokens = null);

/// <summary>A request's validated settings apart from its text; "auto" language is resolved per text.</summary>
public sealed record SpeechSettings(string Format, double Speed, bool ServerSentEvents, string Language, VoiceSpec Voice, string? VoiceName, ulong Seed,
    int? MaxNewTokens = null)
{
    public string LanguageFor(string text) => Language == Text.SupportedLanguages.Auto ? Text.LanguageDetector.Detect(text) : Language;
}
