namespace QwenTts.Audio;

/// <summary>Turns 24 kHz mono float samples into a stream of encoded bytes, chunk by chunk.</summary>
public interface IAudioEncoder : IDisposable
{
    string ContentType { get; }

    /// <summary>Bytes that start the stream (a header), possibly empty.</summary>
    byte[] Begin();

    /// <summary>Encoded bytes for these samples; may be empty while the codec buffers.</summary>
    byte[] Encode(ReadOnlySpan<float> samples);

    /// <summary>Whatever the codec still holds, and the stream's trailer.</summary>
    byte[] End();
}

/// <summary>The audio formats the service speaks and how to make an encoder for each.</summary>
public static class AudioEncoders
{
    public static readonly string[] Formats = ["mp3", "opus", "aac", "flac", "wav", "pcm"];

    /// <summary>An encoder for the format; throws <see cref="CodecUnavailableException"/> when its native library is missing.</summary>
    public static IAudioEncoder Create(string format, int sampleRate) => format switch
    {
        "wav" => new WavEncoder(sampleRate),
        "pcm" => new PcmEncoder(),
        "mp3" => new Codecs.LameMp3Encoder(sampleRate),
        "flac" => new Codecs.FlacEncoder(sampleRate),
        "opus" => new Codecs.OggOpusEncoder(sampleRate),
        "aac" => new Codecs.FfmpegAacEncoder(sampleRate),
        _ => throw new ArgumentException($"Unsupported audio format '{format}'; supported: {string.Join(", ", Formats)}.", nameof(format)),
    };
}

/// <summary>The native codec library a format needs is not installed on this host.</summary>
public sealed class CodecUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>16-bit PCM WAV with an open-ended header: sent before the length is known.</summary>
public sealed class WavEncoder(int sampleRate) : IAudioEncoder
{
    public string ContentType => "audio/wav";

    public byte[] Begin() => WavFormat.Header(sampleRate);

    public byte[] Encode(ReadOnlySpan<float> samples) => WavFormat.Pcm16(samples);

    public byte[] End() => [];

    public void Dispose()
    {
    }
}

/// <summary>Raw 16-bit little-endian mono samples at 24 kHz, as OpenAI's "pcm" format.</summary>
public sealed class PcmEncoder : IAudioEncoder
{
    public string ContentType => "audio/pcm";

    public byte[] Begin() => [];

    public byte[] Encode(ReadOnlySpan<float> samples) => WavFormat.Pcm16(samples);

    public byte[] End() => [];

    public void Dispose()
    {
    }
}
