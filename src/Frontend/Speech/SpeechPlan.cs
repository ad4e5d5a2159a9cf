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
    int Characters);
