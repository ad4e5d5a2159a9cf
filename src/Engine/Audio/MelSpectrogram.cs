using System.Numerics;
using MathNet.Numerics.IntegralTransforms;

namespace QwenTts.Engine.Audio;

/// <summary>
/// Log-mel input of the Qwen3-TTS speaker encoder: 24 kHz, n_fft 1024, hop 256, window 1024 (periodic Hann),
/// reflect padding of 384 each side without centring, magnitude sqrt(re² + im² + 1e-9), a Slaney-normalised
/// 128-bin mel filterbank over 0..12 kHz (librosa's default mel scale), log(clamp(x, 1e-5)). Output [frames][128].
/// </summary>
public sealed class MelSpectrogram
{
    public const int SampleRate = 24000;
    public const int FftSize = 1024;
    public const int Hop = 256;
    public const int Bins = 128;
    private const int Padding = (FftSize - Hop) / 2;

    private readonly double[] _window = HannPeriodic(FftSize);
    private readonly double[,] _filters = SlaneyFilterbank(SampleRate, FftSize, Bins, 0, 12000);

    public float[] Compute(ReadOnlySpan<float> audio, out int frames)
    {
        var padded = ReflectPad(audio, Padding);
        frames = padded.Length < FftSize ? 0 : 1 + ((padded.Length - FftSize) / Hop);
        var result = new float[frames * Bins];
        var spectrum = new Complex[FftSize];
        var magnitude = new double[(FftSize / 2) + 1];
        for (var frame = 0; frame < frames; frame++)
        {
            var start = frame * Hop;
            for (var n = 0; n < FftSize; n++)
            {
                spectrum[n] = new Complex(padded[start + n] * _window[n], 0);
            }

            Fourier.Forward(spectrum, FourierOptions.Matlab);
            for (var k = 0; k < magnitude.Length; k++)
            {
                var c = spectrum[k];
                magnitude[k] = Math.Sqrt((c.Real * c.Real) + (c.Imaginary * c.Imaginary) + 1e-9);
            }

            for (var m = 0; m < Bins; m++)
            {
                double energy = 0;
                for (var k = 0; k < magnitude.Length; k++)
                {
                    energy += _filters[m, k] * magnitude[k];
                }

                result[(frame * Bins) + m] = (float)Math.Log(Math.Max(energy, 1e-5));
            }
        }

        return result;
    }

    private static float[] ReflectPad(ReadOnlySpan<float> audio, int padding)
    {
        if (audio.Length <= padding)
        {
            throw new ArgumentException($"Reference audio must be longer than {padding} samples.", nameof(audio));
        }

        var padded = new float[audio.Length + (2 * padding)];
        audio.CopyTo(padded.AsSpan(padding));
        for (var i = 0; i < padding; i++)
        {
            padded[padding - 1 - i] = audio[i + 1];
            padded[padding + audio.Length + i] = audio[audio.Length - 2 - i];
        }

        return padded;
    }

    private static double[] HannPeriodic(int size) =>
        Enumerable.Range(0, size).Select(n => 0.5 - (0.5 * Math.Cos(2 * Math.PI * n / size))).ToArray();

    /// <summary>librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with htk=False and norm="slaney".</summary>
    public static double[,] SlaneyFilterbank(int sampleRate, int fftSize, int bins, double fMin, double fMax)
    {
        var frequencies = Enumerable.Range(0, (fftSize / 2) + 1).Select(k => k * (double)sampleRate / fftSize).ToArray();
        var minMel = HzToMel(fMin);
        var maxMel = HzToMel(fMax);
        var points = Enumerable.Range(0, bins + 2).Select(i => MelToHz(minMel + ((maxMel - minMel) * i / (bins + 1)))).ToArray();

        var filters = new double[bins, frequencies.Length];
        for (var m = 0; m < bins; m++)
        {
            var lowerWidth = points[m + 1] - points[m];
            var upperWidth = points[m + 2] - points[m + 1];
            var norm = 2.0 / (points[m + 2] - points[m]);
            for (var k = 0; k < frequencies.Length; k++)
            {
                var lower = (frequencies[k] - points[m]) / lowerWidth;
                var upper = (points[m + 2] - frequencies[k]) / upperWidth;
                filters[m, k] = Math.Max(0, Math.Min(lower, upper)) * norm;
            }
        }

        return filters;
    }

    // Slaney's auditory toolbox scale: linear below 1 kHz, logarithmic above.
    private const double LinearStep = 200.0 / 3;
    private const double LogStart = 1000.0;
    private const double LogStartMel = LogStart / LinearStep;
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    public static double HzToMel(double hz) => hz >= LogStart ? LogStartMel + (Math.Log(hz / LogStart) / LogStep) : hz / LinearStep;

    public static double MelToHz(double mel) => mel >= LogStartMel ? LogStart * Math.Exp(LogStep * (mel - LogStartMel)) : mel * LinearStep;
}
