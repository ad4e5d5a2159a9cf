namespace QwenTts.Audio;

/// <summary>
/// Changes tempo without changing pitch (WSOLA: waveform-similarity overlap-add). Frames of 40 ms, Hann-windowed,
/// half-overlapped on output; each is taken from the input near its nominal position where it best continues the
/// previous frame, so the waveform stays smooth. speed 2.0 halves the duration; 0.5 doubles it.
/// </summary>
public static class TimeStretch
{
    public static float[] Apply(ReadOnlySpan<float> input, double speed, int sampleRate)
    {
        if (Math.Abs(speed - 1.0) < 1e-3 || input.Length == 0)
        {
            return input.ToArray();
        }

        var frame = sampleRate / 25;                 // 40 ms
        var synthesisHop = frame / 2;
        var analysisHop = synthesisHop * speed;
        var tolerance = frame / 4;
        var outputLength = (int)Math.Ceiling(input.Length / speed);
        var output = new float[outputLength + frame];
        var weight = new float[outputLength + frame];
        var window = new float[frame];
        for (var i = 0; i < frame; i++)
        {
            window[i] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / frame)));
        }

        var previous = 0;
        for (var k = 0; ; k++)
        {
            var outPosition = k * synthesisHop;
            var nominal = (int)Math.Round(k * analysisHop);
            if (outPosition >= outputLength || nominal >= input.Length)
            {
                break;
            }

            var position = k == 0 ? 0 : BestMatch(input, previous + synthesisHop, nominal, tolerance, frame);
            for (var i = 0; i < frame && position + i < input.Length && outPosition + i < output.Length; i++)
            {
                output[outPosition + i] += input[position + i] * window[i];
                weight[outPosition + i] += window[i];
            }

            previous = position;
        }

        var result = new float[outputLength];
        for (var i = 0; i < outputLength; i++)
        {
            result[i] = weight[i] > 1e-3f ? output[i] / weight[i] : 0f;
        }

        return result;
    }

    /// <summary>The start within ±tolerance of nominal whose frame correlates best with the natural continuation.</summary>
    private static int BestMatch(ReadOnlySpan<float> input, int continuation, int nominal, int tolerance, int frame)
    {
        var best = Math.Clamp(nominal, 0, Math.Max(0, input.Length - 1));
        var bestScore = double.NegativeInfinity;
        var length = Math.Min(frame, input.Length - continuation);
        if (length <= 0)
        {
            return best;
        }

        for (var delta = -tolerance; delta <= tolerance; delta += 2)
        {
            var start = nominal + delta;
            if (start < 0 || start + length > input.Length)
            {
                continue;
            }

            double score = 0;
            for (var i = 0; i < length; i += 2)
            {
                score += input[start + i] * input[continuation + i];
            }

            if (score > bestScore)
            {
                (bestScore, best) = (score, start);
            }
        }

        return best;
    }
}
