namespace QwenTts.Audio;

/// <summary>Sample-rate conversion of a whole mono clip (see <see cref="StreamingResampler"/>, which does the work).</summary>
public static class Resampling
{
    public static float[] Resample(ReadOnlySpan<float> input, int fromRate, int toRate)
    {
        if (fromRate == toRate)
        {
            return input.ToArray();
        }

        var resampler = new StreamingResampler(fromRate, toRate);
        return [.. resampler.Process(input), .. resampler.Flush()];
    }
}
