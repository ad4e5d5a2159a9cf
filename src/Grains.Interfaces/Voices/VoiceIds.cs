using System.Security.Cryptography;

namespace QwenTts.Grains.Interfaces.Voices;

/// <summary>OpenAI-style ids: <c>voice_</c> and <c>cons_</c> followed by 24 random hex digits.</summary>
public static class VoiceIds
{
    public static string New() => "voice_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static string NewConsent() => "cons_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
}
