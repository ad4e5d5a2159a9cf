using System.Buffers.Binary;

namespace QwenTts.Audio;

/// <summary>16-bit PCM WAV and raw PCM from float samples in [-1, 1].</summary>
public static class WavFormat
{
    /// <summary>The size of a header without a label: RIFF, fmt and data chunk heads.</summary>
    public const int HeaderSize = 44;

    /// <summary>
    /// A RIFF/WAVE header for 16-bit mono PCM. With no length (a stream whose end is not known yet) the RIFF and data
    /// sizes are 0xFFFFFFFF, which players and decoders read as "until the end of the stream". With a label, a LIST/INFO
    /// chunk between fmt and data carries it (an INFO item <c>AIGC</c>), so it is read before the open-ended data.
    /// </summary>
    public static byte[] Header(int sampleRate, long? sampleCount = null, short channels = 1, AiContentLabel? label = null)
    {
        const short bitsPerSample = 16;
        var list = label is null ? [] : ListInfo(AiContentLabel.Key, label.ToJson());
        var header = new byte[HeaderSize + list.Length];
        var span = header.AsSpan();
        var dataBytes = sampleCount is { } count ? (uint)(count * channels * 2) : uint.MaxValue;
        var riffBytes = sampleCount is null ? uint.MaxValue : dataBytes + 36 + (uint)list.Length;
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
        list.CopyTo(span[36..]);
        "data"u8.CopyTo(span[(36 + list.Length)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span[(40 + list.Length)..], dataBytes);
        return header;
    }

    /// <summary>A LIST chunk of type INFO with one text item (NUL-terminated, padded to an even size as RIFF wants).</summary>
    private static byte[] ListInfo(string id, string value)
    {
        byte[] text = [.. System.Text.Encoding.UTF8.GetBytes(value), 0];
        var padded = text.Length + (text.Length & 1);
        var chunk = new byte[12 + 8 + padded];
        "LIST"u8.CopyTo(chunk);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(4), (uint)(chunk.Length - 8));
        "INFO"u8.CopyTo(chunk.AsSpan(8));
        System.Text.Encoding.ASCII.GetBytes(id).CopyTo(chunk, 12);
        BinaryPrimitives.WriteUInt32LittleEndian(chunk.AsSpan(16), (uint)text.Length);
        text.CopyTo(chunk, 20);
        return chunk;
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
