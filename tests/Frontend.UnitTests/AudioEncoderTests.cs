using System.Buffers.Binary;
using QwenTts.Audio;

namespace QwenTts.Frontend.UnitTests;

/// <summary>The streamed formats, encoded through the system's codec libraries, checked by decoding or by structure.</summary>
public sealed class AudioEncoderTests
{
    private static readonly float[] Tone = Enumerable.Range(0, 24000).Select(i => 0.4f * MathF.Sin(2 * MathF.PI * 440 * i / 24000)).ToArray();

    private static byte[] EncodeInChunks(string format)
    {
        using var encoder = AudioEncoders.Create(format, 24000);
        var bytes = new List<byte>(encoder.Begin());
        for (var offset = 0; offset < Tone.Length; offset += 7680)
        {
            bytes.AddRange(encoder.Encode(Tone.AsSpan(offset, Math.Min(7680, Tone.Length - offset))));
        }

        bytes.AddRange(encoder.End());
        return [.. bytes];
    }

    [Fact]
    public void Mp3_decodes_back_to_about_the_same_duration()
    {
        var mp3 = EncodeInChunks("mp3");

        using var decoder = new NLayer.MpegFile(new MemoryStream(mp3));
        var samples = new float[48000];
        var read = decoder.ReadSamples(samples, 0, samples.Length);

        Assert.Equal(24000, decoder.SampleRate);
        Assert.Equal(1, decoder.Channels);
        Assert.InRange(read, 23000, 26000);
        Assert.True(samples.Take(read).Max() > 0.2f, "decoded audio should carry the tone");
    }

    [Fact]
    public void Flac_has_a_stream_header_for_24_khz_mono_16_bit()
    {
        var flac = EncodeInChunks("flac");

        Assert.Equal("fLaC"u8.ToArray(), flac[..4]);
        // STREAMINFO: 20 bits sample rate, 3 bits channels-1, 5 bits bits-per-sample-1 at byte 18 of the file.
        var packed = BinaryPrimitives.ReadUInt32BigEndian(flac.AsSpan(18));
        Assert.Equal(24000u, packed >> 12);
        Assert.Equal(0u, (packed >> 9) & 0x7);
        Assert.Equal(15u, (packed >> 4) & 0x1F);
        Assert.True(flac.Length < Tone.Length * 2, "FLAC should compress a pure tone");
    }

    [Fact]
    public void Opus_is_an_ogg_stream_with_opus_head_and_tags_for_a_24_khz_mono_input()
    {
        var ogg = EncodeInChunks("opus");

        Assert.Equal("OggS"u8.ToArray(), ogg[..4]);
        var head = ogg.AsSpan().IndexOf("OpusHead"u8);
        Assert.True(head > 0);
        Assert.Equal(1, ogg[head + 9]);                                            // channels
        Assert.Equal(24000u, BinaryPrimitives.ReadUInt32LittleEndian(ogg.AsSpan(head + 12))); // input sample rate
        Assert.True(ogg.AsSpan().IndexOf("OpusTags"u8) > head);
        Assert.True(CountPages(ogg) >= 3);
    }

    [Fact]
    public void Wav_and_pcm_carry_every_sample()
    {
        var wav = EncodeInChunks("wav");
        var pcm = EncodeInChunks("pcm");

        Assert.Equal(44 + (Tone.Length * 2), wav.Length);
        Assert.Equal(Tone.Length * 2, pcm.Length);
        Assert.Equal(wav[44..], pcm);
    }

    [Fact]
    public void An_unknown_format_is_refused_with_the_supported_list()
    {
        var error = Assert.Throws<ArgumentException>(() => AudioEncoders.Create("webm", 24000));
        Assert.Contains("mp3, opus, aac, flac, wav, pcm", error.Message, StringComparison.Ordinal);
    }

    private static int CountPages(byte[] ogg)
    {
        var count = 0;
        for (var i = ogg.AsSpan().IndexOf("OggS"u8); i >= 0 && i < ogg.Length;)
        {
            count++;
            var next = ogg.AsSpan(i + 4).IndexOf("OggS"u8);
            i = next < 0 ? -1 : i + 4 + next;
        }

        return count;
    }
}
