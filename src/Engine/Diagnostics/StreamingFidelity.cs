using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.Diagnostics;

/// <summary>How far a streamed decode is from the official whole decode of the same codes, and what it cost.</summary>
public sealed record FidelityResult(double SnrDb, double MaxAbsDifference, TimeSpan StreamedDecodeTime, int StreamedCalls, TimeSpan ReferenceDecodeTime)
{
    public string SnrText => double.IsPositiveInfinity(SnrDb) ? "inf" : SnrDb.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Decodes the same codes the official way (chunks of 300, context 25) and as a stream with the given options.</summary>
public static class StreamingFidelity
{
    public static FidelityResult Measure(SpeechSynthesizer synthesizer, IReadOnlyList<int[]> codes, StreamingOptions options)
    {
        var codec = synthesizer.Manifest.Codec;
        using var run = new RunOptions();
        var referenceTimer = new OrtTimer();
        using var referenceDecoder = new OnnxCodecDecoder(synthesizer.Sessions, run, referenceTimer);
        var reference = StreamingCodecDecoder.DecodeWhole(referenceDecoder, codec, codes);

        var streamTimer = new OrtTimer();
        using var streamDecoder = new OnnxCodecDecoder(synthesizer.Sessions, run, streamTimer);
        var stream = new StreamingCodecDecoder(streamDecoder, codec, options);
        var streamed = new List<float>(reference.Length);
        foreach (var frame in codes)
        {
            if (stream.Push(frame) is { } chunk)
            {
                streamed.AddRange(chunk);
            }
        }

        if (stream.Flush() is { } rest)
        {
            streamed.AddRange(rest);
        }

        if (streamed.Count != reference.Length)
        {
            throw new InvalidOperationException($"Streamed decode gave {streamed.Count} samples, the official one {reference.Length}.");
        }

        double signal = 0, noise = 0, maxAbs = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var difference = (double)reference[i] - streamed[i];
            signal += (double)reference[i] * reference[i];
            noise += difference * difference;
            maxAbs = Math.Max(maxAbs, Math.Abs(difference));
        }

        var snr = noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
        return new FidelityResult(snr, maxAbs, streamTimer.Elapsed, streamTimer.Runs, referenceTimer.Elapsed);
    }
}
