using System.Buffers.Binary;

namespace QwenTts.Audio;

/// <summary>16-bit PCM WAV and raw PCM from float samples in [-1, 1].</summary>
public static class WavFormat
{
    public const int HeaderSize = 44;

    /// <summary>
    /// A RIFF/WAVE header for 16-bit mono PCM. With no length (a stream whose end is not known yet) the RIFF and data
    /// sizes are 0xFFFFFFFF, which players and decoders read as "until the end of the stream".
    /// </summary>
    public static byte[] Header(int sampleRate, long? sampleCount = null, short channels = 1)
    {
        const short bitsPerSample = 16;
        var header = new byte[HeaderSize];
        var span = header.AsSpan();
        var dataBytes = sampleCount is { } count ? (uint)(count * channels * 2) : uint.MaxValue;
        var riffBytes = sampleCount is null ? uint.MaxValue : dataBytes + 36;
        "RIFF"u8.CopyTo(span);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], riffBytes);
        "WAVE"u8.CopyTo(span[8..]);
        "fmt "u8.CopyTo(span[12..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], 16);
        BinaryPrimitives.WriteInt16LittleEndian(span[20..], 1); // PCM
        BinaryPrimitives.WriteInt16LittleEndian(span[22..], channels);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], sampleRate);
        BinaryPrimitives.WriteInt32LittleEndian(span[28..], sampleRate * channels * bitsPerSample / 8);
        BinaryPrimitives.WriteInt16LittleEndian(span[32..], (short)(channels * bitsPerSample / 8));
        BinaryPrimitives.WriteInt16LittleEndian(span[34..], bitsPerSample);
        "data"u8.CopyTo(span[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[40..], dataBytes);
        return header;
    }

    /// <summary>Little-endian signed 16-bit samples, clamped and rounded.</summary>
    public static byte[] Pcm16(ReadOnlySpan<float> samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            var value = Math.Clamp(samples[i], -1f, 1f) * short.MaxValue;
            BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(i * 2), (short)MathF.Round(value));
        }

        return bytes;
    }

    /// <summary>A complete WAV file.</summary>
    public static byte[] File(ReadOnlySpan<float> samples, int sampleRate)
    {
        var pcm = Pcm16(samples);
        return [.. Header(sampleRate, samples.Length), .. pcm];
    }

    /// <summary>Reads a 16-bit or float WAV back as float samples (for reference clips and tests).</summary>
    public static (float[] Samples, int SampleRate, int Channels) Read(ReadOnlySpan<byte> wav)
    {
        if (wav.Length < HeaderSize || !wav[..4].SequenceEqual("RIFF"u8) || !wav[8..12].SequenceEqual("WAVE"u8))
        {
            throw new FormatException("Not a RIFF/WAVE file.");
        }

        var offset = 12;
        int sampleRate = 0, channels = 0, bits = 0, format = 0;
        while (offset + 8 <= wav.Length)
        {
            var id = wav.Slice(offset, 4);
            var size = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(wav[(offset + 4)..]), (uint)(wav.Length - offset - 8));
            var body = wav.Slice(offset + 8, size);
            if (id.SequenceEqual("fmt "u8))
            {
                format = BinaryPrimitives.ReadInt16LittleEndian(body);
                channels = BinaryPrimitives.ReadInt16LittleEndian(body[2..]);
                sampleRate = BinaryPrimitives.ReadInt32LittleEndian(body[4..]);
                bits = BinaryPrimitives.ReadInt16LittleEndian(body[14..]);
            }
            else if (id.SequenceEqual("data"u8))
            {
                return (Decode(body, format, bits), sampleRate, channels);
            }

            offset += 8 + size + (size & 1);
        }

        throw new FormatException("WAV file has no data chunk.");
    }

    private static float[] Decode(ReadOnlySpan<byte> data, int format, int bits)
    {
        if (format == 1 && bits == 16)
        {
            var samples = new float[data.Length / 2];
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data[(i * 2)..]) / 32768f;
            }

            return samples;
        }

        if (format == 3 && bits == 32)
        {
            var samples = new float[data.Length / 4];
            for (var i = 0; i < samples.Length; i++)
            {
                samples[i] = BinaryPrimitives.ReadSingleLittleEndian(data[(i * 4)..]);
            }

            return samples;
        }

        throw new FormatException($"Unsupported WAV encoding (format {format}, {bits} bits): use 16-bit PCM or 32-bit float.");
    }
}
