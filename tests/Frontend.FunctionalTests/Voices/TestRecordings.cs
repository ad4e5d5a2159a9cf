using QwenTts.Audio;

namespace QwenTts.Frontend.FunctionalTests.Voices;

/// <summary>Recordings to upload: a voiced-like tone (harmonics with a syllable-rate envelope) in each format, and bad ones.</summary>
internal static class TestRecordings
{
    /// <summary>44.1 kHz stereo WAV: the server must downmix and resample it to 24 kHz.</summary>
    public static byte[] StereoWav44k(double seconds = 2.5)
    {
        var mono = Tone(44_100, seconds);
        var interleaved = new float[mono.Length * 2];
        for (var i = 0; i < mono.Length; i++)
        {
            interleaved[2 * i] = mono[i];
            interleaved[2 * i + 1] = mono[i] * 0.8f;
        }

        return [.. WavFormat.Header(44_100, mono.Length, channels: 2), .. WavFormat.Pcm16(interleaved)];
    }

    /// <summary>24 kHz mono in one of the service's own output formats (mp3, flac, opus, wav).</summary>
    public static byte[] Encoded(string format, double seconds = 2.5)
    {
        using var encoder = AudioEncoders.Create(format, 24_000);
        return [.. encoder.Begin(), .. encoder.Encode(Tone(24_000, seconds)), .. encoder.End()];
    }

    public static byte[] SilentWav(double seconds = 2) => WavFormat.File(new float[(int)(24_000 * seconds)], 24_000);

    public static byte[] ToneWav(double seconds) => WavFormat.File(Tone(24_000, seconds), 24_000);

    /// <summary>
    /// A buzzing 500 Hz square wave: nothing like <see cref="Tone"/>, the other "speaker" of the consent tests. The
    /// miniature's random-weight speaker encoder puts it at a cosine of about 0.6 from the tone (Engine.UnitTests).
    /// </summary>
    public static byte[] SquareWav(double seconds) =>
        WavFormat.File([.. Enumerable.Range(0, (int)(24_000 * seconds)).Select(i => (float)(0.5 * Math.Sign(Math.Sin(2 * Math.PI * 500 * i / 24_000.0))))], 24_000);

    public static float[] Tone(int sampleRate, double seconds)
    {
        var samples = new float[(int)(sampleRate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = i / (double)sampleRate;
            var envelope = 0.5 + 0.5 * Math.Sin(2 * Math.PI * 4 * t);
            var voice = Math.Sin(2 * Math.PI * 140 * t) + 0.5 * Math.Sin(2 * Math.PI * 280 * t) + 0.25 * Math.Sin(2 * Math.PI * 560 * t);
            samples[i] = (float)(0.3 * envelope * voice);
        }

        return samples;
    }
}
