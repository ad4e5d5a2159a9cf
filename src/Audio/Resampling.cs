using NAudio.Dsp;

namespace QwenTts.Audio;

/// <summary>Sample-rate conversion of a whole mono clip with NAudio's WDL resampler (windowed sinc, so no aliasing).</summary>
public static class Resampling
{
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        if (fromRate == toRate)
        {
            return input.ToArray();
        }

        var resampler = new WdlResampler();
        resampler.SetMode(true, 2, true, 64, 32); // sinc interpolation, 64 taps, 32 filter steps
        resampler.SetFilterParms();
        resampler.SetFeedMode(true); // we say how much input we have; it says how much output came
        resampler.SetRates(fromRate, toRate);

        var output = new List<float>((int)((long)input.Length * toRate / fromRate) + 64);
        const int Step = 4096;
        var chunk = new float[(int)((long)Step * toRate / fromRate) + 64]; // room for a whole step's output, up or down
        var offset = 0;
        // Feed the clip, then zeros worth the filter's latency so the tail comes out too.
        var latency = fromRate / 100;
        var total = input.Length + latency;
        while (offset < total)
        {
            var count = Math.Min(Step, total - offset);
            var needed = resampler.ResamplePrepare(count, 1, out var inBuffer, out var inOffset);
            for (var i = 0; i < needed; i++)
            {
                var at = offset + i;
                inBuffer[inOffset + i] = at < input.Length ? input[at] : 0f;
            }

            var produced = resampler.ResampleOut(chunk, 0, needed, chunk.Length, 1);
            output.AddRange(chunk.AsSpan(0, produced));
            offset += needed;
        }

        var expected = (int)((long)input.Length * toRate / fromRate);
        return output.Count > expected ? output.GetRange(0, expected).ToArray() : [.. output];
    }
}
