using QwenTts.Audio;
using QwenTts.Audio.Recordings;

namespace QwenTts.Frontend.UnitTests;

/// <summary>Uploaded recordings: decoded, downmixed and resampled to 24 kHz, keeping length and pitch; bad ones refused.</summary>
public sealed class RecordingDecoderTests
{
    [Theory]
    [InlineData(44_100, 2)]
    [InlineData(48_000, 1)]
    [InlineData(16_000, 2)]
    [InlineData(24_000, 1)]
    public void A_wav_at_any_rate_and_channel_count_becomes_24_kHz_mono_of_the_same_length_and_pitch(int sampleRate, short channels)
    {
        const double seconds = 2;
        var frames = (int)(sampleRate * seconds);
        var interleaved = new float[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            for (var c = 0; c < channels; c++)
            {
                interleaved[i * channels + c] = 0.5f * MathF.Sin(2 * MathF.PI * 440 * i / sampleRate);
            }
        }

        byte[] wav = [.. WavFormat.Header(sampleRate, frames, channels), .. WavFormat.Pcm16(interleaved)];

        var (recording, rejection) = RecordingDecoder.Decode(wav, "audio/wav", "recording");

        Assert.Null(rejection);
        Assert.InRange(recording!.Samples.Length, 24_000 * seconds - 240, 24_000 * seconds + 240);
        Assert.Equal(seconds, recording.Seconds, 3);
        // 440 Hz: 880 sign changes a second, after resampling as before.
        var crossings = 0;
        for (var i = 1; i < recording.Samples.Length; i++)
        {
            crossings += recording.Samples[i] < 0 != recording.Samples[i - 1] < 0 ? 1 : 0;
        }

        Assert.InRange(crossings / seconds, 870, 890);
        Assert.InRange(recording.Samples.Skip(2400).Take(19_200).Max(), 0.45f, 0.55f);
    }

    [Theory]
    [InlineData("mp3")]
    [InlineData("flac")]
    [InlineData("opus")]
    public void The_services_own_formats_read_back(string format)
    {
        var tone = Enumerable.Range(0, 36_000).Select(i => 0.4f * MathF.Sin(2 * MathF.PI * 300 * i / 24_000)).ToArray();
        using var encoder = AudioEncoders.Create(format, 24_000);
        byte[] bytes = [.. encoder.Begin(), .. encoder.Encode(tone), .. encoder.End()];

        var (recording, rejection) = RecordingDecoder.Decode(bytes, null, "recording");

        Assert.Null(rejection);
        Assert.InRange(recording!.Seconds, 1.4, 1.7);
    }

    [Fact]
    public void Bad_recordings_are_refused_with_their_status()
    {
        Assert.Equal(400, RecordingDecoder.Decode([], "audio/wav", "r").Rejection!.Status);
        Assert.Equal(400, RecordingDecoder.Decode("not audio"u8.ToArray(), null, "r").Rejection!.Status);
        Assert.Equal(400, RecordingDecoder.Decode(WavFormat.File(new float[48_000], 24_000), "audio/wav", "r").Rejection!.Status);
        Assert.Equal(415, RecordingDecoder.Decode(WavFormat.File(new float[48_000], 24_000), "video/mp4", "r").Rejection!.Status);
        Assert.Equal(413, RecordingDecoder.Decode(new byte[RecordingDecoder.MaxBytes + 1], "audio/wav", "r").Rejection!.Status);
    }
}
