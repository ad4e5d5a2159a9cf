using QwenTts.Audio;
using QwenTts.Audio.Codecs;

namespace QwenTts.Frontend.UnitTests;

/// <summary>Output sample rates resampled as the stream goes, and G.711 bytes.</summary>
public sealed class OutputRateTests
{
    private static float[] Tone(int rate, double seconds, double hz = 440) =>
        Enumerable.Range(0, (int)(rate * seconds)).Select(i => 0.4f * MathF.Sin((float)(2 * Math.PI * hz * i / rate))).ToArray();

    private static int ZeroCrossings(ReadOnlySpan<float> samples)
    {
        var count = 0;
        for (var i = 1; i < samples.Length; i++)
        {
            count += Math.Sign(samples[i - 1]) != Math.Sign(samples[i]) ? 1 : 0;
        }

        return count;
    }

    [Theory]
    [InlineData(8000)]
    [InlineData(16000)]
    [InlineData(48000)]
    public void A_stream_resampled_in_uneven_chunks_is_the_clip_resampled_whole_with_the_exact_length_and_pitch(int rate)
    {
        var tone = Tone(24000, 1.3);
        var streaming = new StreamingResampler(24000, rate);
        var pieces = new List<float>();
        var chunks = new[] { 1, 1920, 7, 5000, 333 };
        for (int offset = 0, i = 0; offset < tone.Length; offset += chunks[i++ % chunks.Length])
        {
            pieces.AddRange(streaming.Process(tone.AsSpan(offset, Math.Min(chunks[i % chunks.Length], tone.Length - offset))));
        }

        pieces.AddRange(streaming.Flush());

        Assert.Equal(tone.Length * rate / 24000, pieces.Count);
        Assert.Equal(Resampling.Resample(tone, 24000, rate), pieces.ToArray());
        // 440 Hz for 1.3 s: about 1144 crossings at any rate.
        Assert.InRange(ZeroCrossings(pieces.ToArray()), 1130, 1150);
    }

    [Fact]
    public void A_16_kHz_wav_encoder_fed_24_kHz_chunks_writes_16_kHz()
    {
        var tone = Tone(24000, 1.0);
        using var encoder = AudioEncoders.Create("wav", 24000, 16000);
        var bytes = new List<byte>(encoder.Begin());
        for (var offset = 0; offset < tone.Length; offset += 1920)
        {
            bytes.AddRange(encoder.Encode(tone.AsSpan(offset, Math.Min(1920, tone.Length - offset))));
        }

        bytes.AddRange(encoder.End());
        var (samples, rate, _) = WavFormat.Read([.. bytes]);

        Assert.Equal(16000, rate);
        Assert.Equal(16000, samples.Length);
    }

    [Fact]
    public void G711_follows_the_ITU_tables_at_their_ends_and_zero()
    {
        using var mu = new G711Encoder(aLaw: false);
        using var a = new G711Encoder(aLaw: true);
        float[] samples = [0f, 1f, -1f];

        // ITU-T G.711: mu-law sends 0xFF for zero, 0x80 and 0x00 at full scale; A-law 0xD5 for zero, 0xAA and 0x2A at full scale.
        Assert.Equal([0xFF, 0x80, 0x00], mu.Encode(samples));
        Assert.Equal([0xD5, 0xAA, 0x2A], a.Encode(samples));
        Assert.Equal(("audio/PCMU", "audio/PCMA"), (mu.ContentType, a.ContentType));
    }

    [Fact]
    public void G711_formats_are_8_kHz_only()
    {
        Assert.Equal(8000, AudioEncoders.FixedRate("pcm_mulaw"));
        Assert.Null(AudioEncoders.FixedRate("wav"));
        Assert.Throws<ArgumentException>(() => AudioEncoders.Create("pcm_alaw", 16000));
        using var encoder = AudioEncoders.Create("pcm_mulaw", 24000, 8000);
        Assert.Equal(8000, encoder.Encode(Tone(24000, 1.0)).Length + encoder.End().Length);
    }
}
