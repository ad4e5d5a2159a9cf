using QwenTts.Audio;
using QwenTts.Audio.Codecs;

namespace QwenTts.Frontend.UnitTests;

/// <summary>AMR-NB for WeCom voice messages: 8 kHz after an anti-aliased resampling, 12.2 kbit/s frames in a storage file.</summary>
public sealed class AmrNbEncoderTests
{
    private static float[] Tone(double hertz, double seconds, int rate = 24000) =>
        Enumerable.Range(0, (int)(seconds * rate)).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * hertz * i / rate))).ToArray();

    private static double Rms(ReadOnlySpan<float> samples)
    {
        double sum = 0;
        foreach (var s in samples)
        {
            sum += s * s;
        }

        return Math.Sqrt(sum / samples.Length);
    }

    [Fact]
    public void Resampling_to_8_kHz_keeps_a_tone_under_4_kHz_and_removes_one_above_it()
    {
        var kept = Resampling.Resample(Tone(1000, 1), 24000, 8000);
        var removed = Resampling.Resample(Tone(6000, 1), 24000, 8000);

        Assert.Equal(8000, kept.Length);
        Assert.Equal(8000, removed.Length);
        Assert.InRange(Rms(kept.AsSpan(400, 7000)), 0.33, 0.38); // a 0.5-amplitude sine: RMS 0.354
        Assert.True(Rms(removed.AsSpan(400, 7000)) < 0.02, $"6 kHz would alias to 2 kHz; RMS {Rms(removed.AsSpan(400, 7000))}");
        // 1 kHz is still 1 kHz: 2000 zero crossings a second.
        var crossings = Enumerable.Range(401, 7000).Count(i => Math.Sign(kept[i]) != Math.Sign(kept[i - 1]));
        Assert.InRange(crossings, 1740, 1760);
    }

    [Fact]
    public void Two_seconds_of_audio_are_100_frames_of_12_2_kbits_after_the_AMR_magic()
    {
        var amr = AmrNbEncoder.Encode(Tone(440, 2), 24000);

        Assert.Equal("#!AMR\n", System.Text.Encoding.ASCII.GetString(amr, 0, 6));
        Assert.Equal(6 + (100 * 32), amr.Length);
        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(0x3C, amr[6 + (i * 32)])); // ToC: mode 7 (12.2 kbit/s), quality bit
    }
}
