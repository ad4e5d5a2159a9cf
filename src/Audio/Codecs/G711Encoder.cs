using NAudio.Codecs;

namespace QwenTts.Audio.Codecs;

/// <summary>
/// G.711 (ITU-T) as raw bytes, one a sample at 8 kHz, the telephony formats: mu-law (<c>pcm_mulaw</c>, North America and
/// Japan) or A-law (<c>pcm_alaw</c>, elsewhere), encoded by NAudio's G.711 codecs from 16-bit linear samples.
/// </summary>
public sealed class G711Encoder(bool aLaw) : IAudioEncoder
{
    public const int SampleRate = 8000;

    /// <summary>RFC 4856's media types for 8 kHz G.711.</summary>
    public string ContentType => aLaw ? "audio/PCMA" : "audio/PCMU";

    public byte[] Begin() => [];

    public byte[] Encode(ReadOnlySpan<float> samples)
    {
        var bytes = new byte[samples.Length];
        for (var i = 0; i < samples.Length; i++)
        {
            var linear = (short)MathF.Round(Math.Clamp(samples[i], -1f, 1f) * short.MaxValue);
            bytes[i] = aLaw ? ALawEncoder.LinearToALawSample(linear) : MuLawEncoder.LinearToMuLawSample(linear);
        }

        return bytes;
    }

    public byte[] End() => [];

    public void Dispose()
    {
    }
}
