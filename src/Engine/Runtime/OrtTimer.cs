using System.Diagnostics;

namespace QwenTts.Engine.Runtime;

/// <summary>Accumulates the time one utterance spends inside ONNX Runtime Run calls.</summary>
public sealed class OrtTimer
{
    private long _ticks;
    private int _runs;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, _ticks);

    public int Runs => _runs;

    public long Start() => Stopwatch.GetTimestamp();

    public void Stop(long started)
    {
        _ticks += Stopwatch.GetTimestamp() - started;
        _runs++;
    }
}
