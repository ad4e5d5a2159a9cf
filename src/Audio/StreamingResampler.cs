using NAudio.Dsp;

namespace QwenTts.Audio;

/// <summary>
/// Sample-rate conversion of a mono stream, chunk by chunk, with NAudio's WDL resampler (windowed sinc, so no aliasing):
/// the filter keeps its state between chunks, so a stream resampled in pieces is the clip resampled whole, and nothing
/// waits for the end of the utterance. <see cref="Flush"/> pushes the filter's tail out and makes the total length
/// exactly the input's length at the new rate.
/// </summary>
public sealed class StreamingResampler
{
    private const int Step = 4096;
    private readonly WdlResampler _resampler = new();
    private readonly int _fromRate;
    private readonly int _toRate;
    private readonly float[] _chunk;
    private long _consumed;
    private long _produced;

    public StreamingResampler(int fromRate, int toRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fromRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(toRate);
        (_fromRate, _toRate) = (fromRate, toRate);
        _resampler.SetMode(true, 2, true, 64, 32); // sinc interpolation, 64 taps, 32 filter steps
        _resampler.SetFilterParms();
        _resampler.SetFeedMode(true); // we say how much input we have; it says how much output came
        _resampler.SetRates(fromRate, toRate);
        _chunk = new float[(int)((long)Step * toRate / fromRate) + 64]; // room for a whole step's output, up or down
    }

    /// <summary>The resampled audio these samples complete (a little behind the input: the filter's latency).</summary>
    public float[] Process(ReadOnlySpan<float> input)
    {
        var output = new List<float>((int)((long)input.Length * _toRate / _fromRate) + 64);
        Feed(input, input.Length, output);
        _consumed += input.Length;
        return Take(output, long.MaxValue);
    }

    /// <summary>The rest: the filter's tail pushed out with silence, cut or padded to the input's exact length at the new rate.</summary>
    public float[] Flush()
    {
        var output = new List<float>(_fromRate / 100 + 64);
        Feed([], _fromRate / 100, output); // zeros worth the filter's latency
        var expected = _consumed * _toRate / _fromRate;
        var rest = Take(output, expected - _produced);
        if (_produced < expected)
        {
            var padded = new float[rest.Length + (expected - _produced)];
            rest.CopyTo(padded, 0);
            _produced = expected;
            return padded;
        }

        return rest;
    }

    /// <summary>Feeds <paramref name="count"/> samples: the input's, then zeros past its end.</summary>
    private void Feed(ReadOnlySpan<float> input, int count, List<float> output)
    {
        var offset = 0;
        while (offset < count)
        {
            var needed = _resampler.ResamplePrepare(Math.Min(Step, count - offset), 1, out var inBuffer, out var inOffset);
            for (var i = 0; i < needed; i++)
            {
                var at = offset + i;
                inBuffer[inOffset + i] = at < input.Length ? input[at] : 0f;
            }

            var produced = _resampler.ResampleOut(_chunk, 0, needed, _chunk.Length, 1);
            output.AddRange(_chunk.AsSpan(0, produced));
            offset += needed;
        }
    }

    private float[] Take(List<float> output, long most)
    {
        var count = (int)Math.Max(0, Math.Min(output.Count, most));
        _produced += count;
        return count == output.Count ? [.. output] : output.GetRange(0, count).ToArray();
    }
}
