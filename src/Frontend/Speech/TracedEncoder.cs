using System.Diagnostics;
using QwenTts.Audio;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// An encoder with its span (<c>qwentts.encode</c>, "QwenTts.Frontend"): from the stream's header to its trailer, with
/// the time spent inside the codec in all, the chunks and the bytes. One span rather than one a chunk: a long stream has
/// hundreds of chunks, and what an operator asks is how much of the request the codec took.
/// </summary>
public sealed class TracedEncoder(IAudioEncoder inner, string format, ActivityContext parent) : IAudioEncoder
{
    public const string SourceName = "QwenTts.Frontend";

    internal static readonly ActivitySource Source = new(SourceName);

    private Activity? _span;
    private long _busyTicks;
    private int _chunks;
    private long _bytes;
    private bool _ended;

    public string ContentType => inner.ContentType;

    /// <summary>The encode span once the stream has begun (null when not traced).</summary>
    public Activity? Span => _span;

    public byte[] Begin()
    {
        if (parent != default && Source.HasListeners())
        {
            var previous = Activity.Current;
            _span = Source.StartActivity("qwentts.encode", ActivityKind.Internal, parent,
                new ActivityTagsCollection { ["qwentts.encode.format"] = format });
            Activity.Current = previous;
        }

        return Timed(() => inner.Begin());
    }

    public byte[] Encode(ReadOnlySpan<float> samples)
    {
        var started = Stopwatch.GetTimestamp();
        var bytes = inner.Encode(samples);
        _busyTicks += Stopwatch.GetTimestamp() - started;
        _chunks++;
        _bytes += bytes.Length;
        return bytes;
    }

    public byte[] End()
    {
        var bytes = Timed(() => inner.End());
        Finish(completed: true);
        return bytes;
    }

    public void Dispose()
    {
        Finish(completed: false);
        inner.Dispose();
    }

    private byte[] Timed(Func<byte[]> call)
    {
        var started = Stopwatch.GetTimestamp();
        var bytes = call();
        _busyTicks += Stopwatch.GetTimestamp() - started;
        _bytes += bytes.Length;
        return bytes;
    }

    private void Finish(bool completed)
    {
        if (_ended || _span is null)
        {
            return;
        }

        _ended = true;
        _span.SetTag("qwentts.encode.busy_s", Math.Round(Stopwatch.GetElapsedTime(0, _busyTicks).TotalSeconds, 4));
        _span.SetTag("qwentts.encode.chunks", _chunks);
        _span.SetTag("qwentts.encode.bytes", _bytes);
        _span.SetTag("qwentts.outcome", completed ? "completed" : "cut short");
        _span.Stop();
    }
}
