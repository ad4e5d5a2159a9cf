using System.Buffers.Binary;
using QwenTts.Audio;
using QwenTts.Engine.Audio;

namespace QwenTts.Engine.UnitTests;

public sealed class AudioTests
{
    [Fact]
    public void A_wav_file_round_trips_within_16_bit_precision()
    {
        var samples = Enumerable.Range(0, 2400).Select(i => (float)Math.Sin(i / 10.0) * 0.8f).ToArray();

        var wav = WavFormat.File(samples, 24000);
        var (read, rate, channels) = WavFormat.Read(wav);

        Assert.Equal(44 + (2 * 2400), wav.Length);
        Assert.Equal((24000, 1), (rate, channels));
        Assert.Equal(samples.Length, read.Length);
        Assert.All(samples.Zip(read), p => Assert.True(Math.Abs(p.First - p.Second) < 1.0 / 16000));
    }

    [Fact]
    public void A_streamed_wav_header_is_open_ended()
    {
        var header = WavFormat.Header(24000);

        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4)));
        Assert.Equal(uint.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(40)));
        Assert.Equal(48000, BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(28))); // byte rate
    }

    [Fact]
    public void Pcm_is_little_endian_clamped_and_rounded()
    {
        var pcm = WavFormat.Pcm16([0f, 1f, -1f, 2f, 0.5f]);

        short At(int i) => BinaryPrimitives.ReadInt16LittleEndian(pcm.AsSpan(i * 2));
        Assert.Equal([0, 32767, -32767, 32767, 16384], Enumerable.Range(0, 5).Select(At).Select(v => (int)v));
    }

    [Fact]
    public void The_slaney_mel_scale_is_linear_below_1_khz_and_logarithmic_above()
    {
        Assert.Equal(15.0, MelSpectrogram.HzToMel(1000), precision: 9);
        Assert.Equal(3.0, MelSpectrogram.HzToMel(200), precision: 9);
        Assert.Equal(6400.0, MelSpectrogram.MelToHz(15 + 27), precision: 6);
        Assert.Equal(12000.0, MelSpectrogram.MelToHz(MelSpectrogram.HzToMel(12000)), precision: 6);
    }

    [Fact]
    public void Each_slaney_filter_is_a_triangle_of_area_normalised_height()
    {
        var filters = MelSpectrogram.SlaneyFilterbank(24000, 1024, 128, 0, 12000);

        for (var m = 0; m < 128; m++)
        {
            var row = Enumerable.Range(0, 513).Select(k => filters[m, k]).ToArray();
            Assert.All(row, w => Assert.True(w >= 0));
            Assert.True(row.Max() > 0, $"filter {m} is empty");
        }

        // Higher filters are wider, hence lower (Slaney normalisation keeps the area constant).
        Assert.True(Enumerable.Range(0, 513).Max(k => filters[10, k]) > Enumerable.Range(0, 513).Max(k => filters[120, k]));
    }

    [Fact]
    public void A_1_khz_tone_peaks_in_the_mel_bin_that_holds_1_khz()
    {
        var tone = Enumerable.Range(0, 24000).Select(i => 0.5f * MathF.Sin(2 * MathF.PI * 1000 * i / 24000)).ToArray();

        var mel = new MelSpectrogram().Compute(tone, out var frames);

        Assert.Equal(1 + ((24000 + 768 - 1024) / 256), frames);
        var middle = mel.AsSpan((frames / 2) * 128, 128).ToArray();
        var peak = Array.IndexOf(middle, middle.Max());
        var expectedBin = (int)Math.Round((MelSpectrogram.HzToMel(1000) / MelSpectrogram.HzToMel(12000) * 129) - 1);
        Assert.InRange(peak, expectedBin - 1, expectedBin + 1);
        Assert.All(mel, v => Assert.True(v >= Math.Log(1e-5) - 1e-6));
    }
}
