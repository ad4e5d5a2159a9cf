namespace QwenTts.Audio.Effects;

/// <summary>
/// A gain, then a peak limiter so the louder voice never clips: when a sample would pass -1 dBFS the gain is lowered
/// just enough at once, and recovers over about 80 ms, so loud passages are turned down smoothly instead of being
/// squared off. Works sample by sample with no delay, so it streams.
/// </summary>
public sealed class GainLimiter(double gain, int sampleRate)
{
    /// <summary>-1 dBFS: the ceiling of the output.</summary>
    public const float Ceiling = 0.8912509f;

    private readonly float _gain = (float)gain;
    private readonly float _release = (float)Math.Exp(-1.0 / (0.080 * sampleRate));
    private float _reduction = 1f;

    /// <summary>Applies the gain and the limiter in place.</summary>
    public void Process(Span<float> samples)
    {
        for (var i = 0; i < samples.Length; i++)
        {
            var x = samples[i] * _gain;
            var peak = MathF.Abs(x);
            // Recover toward no reduction, but never less reduction than this sample needs.
            _reduction = 1f - ((1f - _reduction) * _release);
            if (peak * _reduction > Ceiling)
            {
                _reduction = Ceiling / peak;
            }

            samples[i] = x * _reduction;
        }
    }
}
