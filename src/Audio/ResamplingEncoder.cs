namespace QwenTts.Audio;

/// <summary>
/// An encoder for another sample rate than the model's: each chunk is resampled as it comes (the resampler keeps its
/// state), so the stream stays a stream; the filter's tail goes out before the inner encoder's trailer.
/// </summary>
public sealed class ResamplingEncoder(IAudioEncoder inner, int fromRate, int toRate) : IAudioEncoder
{
    private readonly StreamingResampler _resampler = new(fromRate, toRate);

    public string ContentType => inner.ContentType;

    public byte[] Begin() => inner.Begin();

    public byte[] Encode(ReadOnlySpan<float> samples) => inner.Encode(_resampler.Process(samples));

    public byte[] End() => [.. inner.Encode(_resampler.Flush()), .. inner.End()];

    public void Dispose() => inner.Dispose();
}
