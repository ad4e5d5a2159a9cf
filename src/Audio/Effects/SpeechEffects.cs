namespace QwenTts.Audio.Effects;

/// <summary>
/// One utterance's audio controls applied as the audio is made: tempo and pitch (<see cref="RubberBandStretcher"/>),
/// then the gain and its limiter last, so nothing after it can clip. Feed chunks with <see cref="Process"/>, then take
/// the tail with <see cref="Flush"/>; one instance per utterance.
/// </summary>
public sealed class SpeechEffects : IDisposable
{
    private readonly RubberBandStretcher? _stretcher;
    private readonly GainLimiter? _limiter;

    public SpeechEffects(SpeechControls controls, int sampleRate)
    {
        _stretcher = controls.ChangesTime ? new RubberBandStretcher(sampleRate, controls.Speed, controls.Pitch) : null;
        _limiter = controls.ChangesGain ? new GainLimiter(controls.Volume, sampleRate) : null;
    }

    /// <summary>The effects of <paramref name="controls"/>, or null when they change nothing (the audio passes as it is).</summary>
    public static SpeechEffects? For(SpeechControls controls, int sampleRate) => controls.ChangesNothing ? null : new SpeechEffects(controls, sampleRate);

    public float[] Process(ReadOnlySpan<float> samples) => Limit(_stretcher is null ? samples.ToArray() : _stretcher.Process(samples));

    public float[] Flush() => Limit(_stretcher is null ? [] : _stretcher.Flush());

    /// <summary>A whole clip through the controls (tests, benchmarks); streaming callers use an instance.</summary>
    public static float[] Apply(ReadOnlySpan<float> samples, SpeechControls controls, int sampleRate)
    {
        using var effects = new SpeechEffects(controls, sampleRate);
        return [.. effects.Process(samples), .. effects.Flush()];
    }

    private float[] Limit(float[] samples)
    {
        _limiter?.Process(samples);
        return samples;
    }

    public void Dispose() => _stretcher?.Dispose();
}
