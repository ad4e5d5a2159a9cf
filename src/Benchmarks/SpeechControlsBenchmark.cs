using System.Diagnostics;
using System.Globalization;
using QwenTts.Audio.Effects;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// The speech controls' DSP alone (no model): speed, pitch and volume applied to a speech-like signal fed in the
/// cards' 80 ms chunks, as speech streams. Real-time factor = processing time / audio time (lower is cheaper), and
/// the two librubberband engines side by side: R3 (finer, what the service uses) and R2 (faster); and how much audio
/// must go in before the first comes out (the stretcher's look-ahead, what streaming holds back).
/// </summary>
public static class SpeechControlsBenchmark
{
    private const int Rate = 24_000;
    private const int Chunk = 1920;

    public static Task<int> RunAsync(string[] args)
    {
        var seconds = double.Parse(Option(args, "--seconds", "6"), CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(args, "--runs", "5"), CultureInfo.InvariantCulture);
        var voice = SpeechLike(seconds);
        var cases = new (string Name, SpeechControls Controls)[]
        {
            ("speed 1.25", new(Speed: 1.25)),
            ("pitch +4", new(Pitch: 4)),
            ("volume x2 (limiter)", new(Volume: 2)),
            ("speed 1.25 + pitch +4 + volume x2", new(1.25, 4, 2)),
        };

        Console.WriteLine($"Speech controls: {seconds} s of a speech-like signal at 24 kHz in 80 ms chunks, median of {runs} runs, one thread.");
        Console.WriteLine("| controls | engine | ms (median) | RTF (s per audio s) | x real time | first audio out after (ms in) |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|");
        foreach (var (name, controls) in cases)
        {
            foreach (var finer in controls.ChangesTime ? new[] { true, false } : [true])
            {
                var times = new List<double>();
                var firstAfter = 0;
                for (var run = 0; run < runs; run++)
                {
                    var started = Stopwatch.GetTimestamp();
                    (var length, firstAfter) = Run(voice, controls, finer);
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    if (Math.Abs(length - Math.Round(voice.Length / controls.Speed)) > 1)
                    {
                        Console.Error.WriteLine($"{name}: {length} samples out for {voice.Length} in");
                        return Task.FromResult(1);
                    }
                }

                var median = times.Order().ElementAt(times.Count / 2);
                var engine = controls.ChangesTime ? (finer ? "R3 finer (used)" : "R2 faster") : "gain + limiter";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {engine} | {median:0.0} | {median / seconds / 1000:0.0000} | {seconds * 1000 / median:0} | {firstAfter * 1000.0 / Rate:0} |"));
            }
        }

        return Task.FromResult(0);
    }

    /// <summary>One utterance streamed through the controls: the samples that came out, and the input fed before the first did.</summary>
    private static (long Produced, int FirstAfter) Run(float[] voice, SpeechControls controls, bool finer)
    {
        using var stretcher = controls.ChangesTime ? new RubberBandStretcher(Rate, controls.Speed, controls.Pitch, finer) : null;
        var limiter = controls.ChangesGain ? new GainLimiter(controls.Volume, Rate) : null;
        long produced = 0;
        var firstAfter = -1;
        for (var offset = 0; offset <= voice.Length; offset += Chunk)
        {
            var output = offset == voice.Length
                ? stretcher?.Flush() ?? []
                : stretcher?.Process(voice.AsSpan(offset, Math.Min(Chunk, voice.Length - offset))) ?? voice[offset..Math.Min(offset + Chunk, voice.Length)];
            limiter?.Process(output);
            produced += output.Length;
            if (firstAfter < 0 && output.Length > 0)
            {
                firstAfter = Math.Min(offset + Chunk, voice.Length);
            }
        }

        return (produced, firstAfter);
    }

    /// <summary>Voiced sound as speech has it: a fundamental gliding 110-160 Hz with harmonics, syllable-rate loudness, pauses.</summary>
    private static float[] SpeechLike(double seconds)
    {
        var samples = new float[(int)(Rate * seconds)];
        double phase = 0;
        for (var i = 0; i < samples.Length; i++)
        {
            var t = i / (double)Rate;
            phase += 2 * Math.PI * (135 + (25 * Math.Sin(2 * Math.PI * 0.7 * t))) / Rate;
            var syllables = Math.Max(0, Math.Sin(2 * Math.PI * 4 * t));
            var voiced = Math.Sin(phase) + (0.6 * Math.Sin(2 * phase)) + (0.4 * Math.Sin(3 * phase)) + (0.2 * Math.Sin(5 * phase));
            samples[i] = (float)(0.35 * syllables * voiced / 2.2 * (t % 2 < 1.7 ? 1 : 0));
        }

        return samples;
    }
}
