using QwenTts.Audio.Effects;

namespace QwenTts.Frontend.UnitTests;

/// <summary>The speech controls on synthetic voiced sound: a 220 Hz tone with a few harmonics, as a voice has.</summary>
public class SpeechEffectsTests
{
    private const int Rate = 24000;

    [Theory]
    [InlineData(4, 220 * 1.259921)]
    [InlineData(-5, 220 * 0.749154)]
    public void Pitch_moves_the_fundamental_and_keeps_the_duration(double semitones, double expectedHz)
    {
        var voiced = Voiced(220, 0.2f, seconds: 2);

        var shifted = Streamed(voiced, new SpeechControls(Pitch: semitones));

        Assert.InRange(shifted.Length, voiced.Length * 0.98, voiced.Length * 1.02);
        Assert.InRange(Fundamental(Middle(shifted)), expectedHz * 0.97, expectedHz * 1.03);
    }

    [Theory]
    [InlineData(1.25)]
    [InlineData(0.5)]
    [InlineData(2.0)]
    public void Speed_changes_the_duration_and_keeps_the_pitch(double speed)
    {
        var voiced = Voiced(220, 0.2f, seconds: 2);

        var faster = Streamed(voiced, new SpeechControls(Speed: speed));

        Assert.InRange(faster.Length, voiced.Length / speed * 0.98, voiced.Length / speed * 1.02);
        Assert.InRange(Fundamental(Middle(faster)), 220 * 0.97, 220 * 1.03);
    }

    [Fact]
    public void Volume_two_doubles_a_quiet_voice()
    {
        var quiet = Voiced(220, 0.05f, seconds: 1);

        var louder = Streamed(quiet, new SpeechControls(Volume: 2));

        Assert.Equal(quiet.Length, louder.Length);
        Assert.InRange(Rms(louder) / Rms(quiet), 1.98, 2.02);
    }

    [Fact]
    public void A_loud_voice_turned_up_is_limited_below_full_scale_and_stays_loud()
    {
        var loud = Voiced(220, 0.6f, seconds: 1);

        var limited = Streamed(loud, new SpeechControls(Volume: 4, Pitch: 2));

        Assert.All(limited, s => Assert.InRange(s, -GainLimiter.Ceiling - 1e-6f, GainLimiter.Ceiling + 1e-6f));
        Assert.True(Rms(Middle(limited)) > Rms(Middle(loud)), "the limited voice is still louder than the original");
    }

    [Fact]
    public void No_controls_leave_the_audio_as_it_was()
    {
        var voiced = Voiced(220, 0.2f, seconds: 1);

        Assert.Equal(voiced, Streamed(voiced, SpeechControls.None));
    }

    /// <summary>Fed in the cards' chunk size (80 ms), as speech streams.</summary>
    private static float[] Streamed(float[] input, SpeechControls controls)
    {
        using var effects = new SpeechEffects(controls, Rate);
        var output = new List<float>();
        for (var offset = 0; offset < input.Length; offset += 1920)
        {
            output.AddRange(effects.Process(input.AsSpan(offset, Math.Min(1920, input.Length - offset))));
        }

        output.AddRange(effects.Flush());
        return [.. output];
    }

    private static float[] Voiced(double hz, float amplitude, double seconds) => Enumerable.Range(0, (int)(seconds * Rate))
        .Select(i => amplitude * (float)((Math.Sin(2 * Math.PI * hz * i / Rate) + (0.5 * Math.Sin(4 * Math.PI * hz * i / Rate))
                                          + (0.25 * Math.Sin(6 * Math.PI * hz * i / Rate))) / 1.75))
        .ToArray();

    private static float[] Middle(float[] samples) => samples[(samples.Length / 4)..(3 * samples.Length / 4)];

    private static double Rms(float[] samples) => Math.Sqrt(samples.Average(s => (double)s * s));

    /// <summary>The fundamental by autocorrelation: the strongest lag between 2.5 and 20 ms, refined by a parabola.</summary>
    private static double Fundamental(float[] samples)
    {
        double Correlation(int lag)
        {
            double sum = 0;
            for (var i = 0; i + lag < samples.Length; i++)
            {
                sum += samples[i] * samples[i + lag];
            }

            return sum / (samples.Length - lag);
        }

        var (minLag, maxLag) = (Rate / 400, Rate / 50);
        var scores = Enumerable.Range(minLag - 1, maxLag - minLag + 3).ToDictionary(lag => lag, Correlation);
        // The first peak near the strongest: the period, not a multiple of it.
        var strongest = scores.Where(p => p.Key >= minLag && p.Key <= maxLag).Max(p => p.Value);
        var best = Enumerable.Range(minLag, maxLag - minLag + 1)
            .First(lag => scores[lag] >= 0.85 * strongest && scores[lag] >= scores[lag - 1] && scores[lag] >= scores[lag + 1]);
        var (a, b, c) = (scores[best - 1], scores[best], scores[best + 1]);
        var offset = (a - c) / (2 * (a - (2 * b) + c));
        return Rate / (best + offset);
    }
}
