namespace QwenTts.Audio;

/// <summary>Turns mono float samples (at the rate it was made for) into a stream of encoded bytes, chunk by chunk.</summary>
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

/// <summary>The audio formats the service speaks, the sample rates it sends, and how to make an encoder for each.</summary>
public static class AudioEncoders
{
    public static readonly string[] Formats = ["mp3", "opus", "aac", "flac", "wav", "pcm", "pcm_mulaw", "pcm_alaw"];

    /// <summary>The output rates a request may ask for; the model's own (24 kHz) is the default.</summary>
    public static readonly int[] SampleRates = [8000, 16000, 24000, 48000];

    /// <summary>The one rate a format is defined at (G.711: 8 kHz), or null when it takes any of <see cref="SampleRates"/>.</summary>
    public static int? FixedRate(string format) => format is "pcm_mulaw" or "pcm_alaw" ? Codecs.G711Encoder.SampleRate : null;

    /// <summary>The formats whose container has no room for metadata, so no AI-content label: raw samples.</summary>
    public static bool IsRaw(string format) => format is "pcm" or "pcm_mulaw" or "pcm_alaw";

    /// <summary>
    /// An encoder for the format; throws <see cref="CodecUnavailableException"/> when its native library is missing. A
    /// label goes into the container's metadata (WAV LIST/INFO, MP3 and AAC ID3v2, Opus and FLAC Vorbis comments).
    /// </summary>
    public static IAudioEncoder Create(string format, int sampleRate, AiContentLabel? label = null) => format switch
    {
        "wav" => new WavEncoder(sampleRate, label),
        "pcm" => new PcmEncoder(),
        "mp3" => new Codecs.LameMp3Encoder(sampleRate, label: label),
        "flac" => new Codecs.FlacEncoder(sampleRate, label),
        "opus" => new Codecs.OggOpusEncoder(sampleRate, label),
        "aac" => new Codecs.FfmpegAacEncoder(sampleRate, label),
        "pcm_mulaw" or "pcm_alaw" when sampleRate == Codecs.G711Encoder.SampleRate => new Codecs.G711Encoder(format == "pcm_alaw"),
        "pcm_mulaw" or "pcm_alaw" => throw new ArgumentException($"{format} is G.711 at {Codecs.G711Encoder.SampleRate} Hz only.", nameof(sampleRate)),
        _ => throw new ArgumentException($"Unsupported audio format '{format}'; supported: {string.Join(", ", Formats)}.", nameof(format)),
    };

    /// <summary>An encoder fed samples at <paramref name="inputRate"/> that sends <paramref name="outputRate"/>, resampling as the stream goes.</summary>
    public static IAudioEncoder Create(string format, int inputRate, int outputRate, AiContentLabel? label = null) => inputRate == outputRate
        ? Create(format, outputRate, label)
        : new ResamplingEncoder(Create(format, outputRate, label), inputRate, outputRate);
}

/// <summary>The native codec library a format needs is not installed on this host.</summary>
public sealed class CodecUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>16-bit PCM WAV with an open-ended header: sent before the length is known.</summary>
public sealed class WavEncoder(int sampleRate, AiContentLabel? label = null) : IAudioEncoder
{
    public string ContentType => "audio/wav";

    public byte[] Begin() => WavFormat.Header(sampleRate, label: label);

    public byte[] Encode(ReadOnlySpan<float> samples) => WavFormat.Pcm16(samples);

    public byte[] End() => [];

    public void Dispose()
    {
    }
}

/// <summary>Raw 16-bit little-endian mono samples, as OpenAI's "pcm" format (24 kHz unless sample_rate says otherwise).</summary>
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
