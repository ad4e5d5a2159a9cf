using System.Diagnostics;
using System.Globalization;
using QwenTts.Audio;
using QwenTts.Audio.Recordings;
using static QwenTts.Benchmarks.CommandLineOptions;

namespace QwenTts.Benchmarks;

/// <summary>
/// Uploaded recordings and aac responses: the time to read a recording of the longest allowed length (decode,
/// downmix, resample to 24 kHz) per format, and the aac encoder (an ffmpeg process) fed as a response is streamed.
/// </summary>
public static class RecordingsBenchmark
{
    public static Task<int> RunAsync(string[] args)
    {
        var seconds = double.Parse(Option(args, "--seconds", "60"), CultureInfo.InvariantCulture);
        var runs = int.Parse(Option(args, "--runs", "5"), CultureInfo.InvariantCulture);
        var tone24k = Tone(24_000, seconds);
        var inputs = new (string Name, string Type, byte[] Bytes)[]
        {
            ("wav 48 kHz mono (resampled)", "audio/wav", WavFormat.File(Tone(48_000, seconds), 48_000)),
            ("wav 22.05 kHz stereo (downmixed, resampled)", "audio/wav", StereoWav(Tone(22_050, seconds), 22_050)),
            ("wav 24 kHz mono", "audio/wav", WavFormat.File(tone24k, 24_000)),
            ("flac 24 kHz", "audio/flac", Encode("flac", tone24k)),
            ("mp3 24 kHz", "audio/mpeg", Encode("mp3", tone24k)),
            ("ogg opus", "audio/ogg", Encode("opus", tone24k)),
        };

        Console.WriteLine($"Recordings: {seconds} s each, median of {runs} reads (libsndfile decode, downmix, NAudio WDL resample to 24 kHz).");
        Console.WriteLine("| input | bytes | read ms (median) | x real time |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var (name, type, bytes) in inputs)
        {
            var times = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var started = Stopwatch.GetTimestamp();
                var (recording, rejection) = RecordingDecoder.Decode(bytes, type, "recording");
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                if (rejection is not null || Math.Abs(recording!.Samples.Length - 24_000 * seconds) > 2_400)
                {
                    Console.Error.WriteLine($"{name}: {rejection?.Detail ?? $"{recording!.Samples.Length} samples"}");
                    return Task.FromResult(1);
                }
            }

            var median = times.Order().ElementAt(times.Count / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {bytes.Length} | {median:0.0} | {seconds * 1000 / median:0} |"));
        }

        // aac as a response is encoded: 80 ms chunks (one codec frame each) as the cards deliver them.
        var chunk = 1920;
        var aacStarted = Stopwatch.GetTimestamp();
        double? firstBytesMs = null;
        long total = 0;
        using (var encoder = AudioEncoders.Create("aac", 24_000))
        {
            total += encoder.Begin().Length;
            for (var offset = 0; offset < tone24k.Length; offset += chunk)
            {
                var bytes = encoder.Encode(tone24k.AsSpan(offset, Math.Min(chunk, tone24k.Length - offset))).Length;
                if (bytes > 0)
                {
                    firstBytesMs ??= Stopwatch.GetElapsedTime(aacStarted).TotalMilliseconds;
                }

                total += bytes;
            }

            total += encoder.End().Length;
        }

        var aacMs = Stopwatch.GetElapsedTime(aacStarted).TotalMilliseconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"aac (ffmpeg process, 64 kb/s ADTS): {seconds} s in {aacMs:0} ms ({seconds * 1000 / aacMs:0}x real time), {total} bytes, first bytes after {firstBytesMs ?? aacMs:0} ms incl. process start."));
        return Task.FromResult(0);
    }

    private static float[] Tone(int sampleRate, double seconds)
    {
        var samples = new float[(int)(sampleRate * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = i / (double)sampleRate;
            samples[i] = (float)(0.3 * (0.5 + 0.5 * Math.Sin(2 * Math.PI * 4 * t)) * (Math.Sin(2 * Math.PI * 140 * t) + 0.5 * Math.Sin(2 * Math.PI * 280 * t)));
        }

        return samples;
    }

    private static byte[] StereoWav(float[] mono, int sampleRate)
    {
        var interleaved = new float[mono.Length * 2];
        for (var i = 0; i < mono.Length; i++)
        {
            interleaved[2 * i] = interleaved[2 * i + 1] = mono[i];
        }

        return [.. WavFormat.Header(sampleRate, mono.Length, channels: 2), .. WavFormat.Pcm16(interleaved)];
    }

    private static byte[] Encode(string format, float[] samples)
    {
        using var encoder = AudioEncoders.Create(format, 24_000);
        return [.. encoder.Begin(), .. encoder.Encode(samples), .. encoder.End()];
    }
}
