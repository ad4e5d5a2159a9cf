namespace QwenTts.Audio;

/// <summary>
/// The explicit audio label of GB 45438-2025 in its rhythm form: the Morse rhythm short-long-short-short, as tones at
/// the start of the audio, then a short silence before the speech. 800 Hz at -12 dBFS, 100 ms a short, 300 ms a long,
/// 100 ms between them (the Morse proportions 1:3:1), each tone with 5 ms ramps so it does not click.
/// </summary>
public static class AiNoticeRhythm
{
    private const double Frequency = 800, Amplitude = 0.25;
    private const int Short = 100, Long = 300, Gap = 100, After = 300, Ramp = 5;

    /// <summary>The tones as (start, length) in milliseconds, for whoever checks them.</summary>
    public static readonly (int Start, int Length)[] Tones = [(0, Short), (Short + Gap, Long), (Short + Gap + Long + Gap, Short), ((2 * Short) + Long + (3 * Gap), Short)];

    /// <summary>Length of the whole label, silence after included.</summary>
    public static int Milliseconds => Tones[^1].Start + Tones[^1].Length + After;

    public static float[] Samples(int sampleRate)
    {
        var samples = new float[sampleRate * Milliseconds / 1000];
        var ramp = sampleRate * Ramp / 1000;
        foreach (var (start, length) in Tones)
        {
            var first = sampleRate * start / 1000;
            var count = sampleRate * length / 1000;
            for (var i = 0; i < count; i++)
            {
                var envelope = Math.Min(1.0, Math.Min(i, count - 1 - i) / (double)ramp);
                samples[first + i] = (float)(Amplitude * envelope * Math.Sin(2 * Math.PI * Frequency * i / sampleRate));
            }
        }

        return samples;
    }
}
