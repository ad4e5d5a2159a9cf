using System.Diagnostics;

namespace QwenTts.Engine.Runtime;

/// <summary>Accumulates the time one utterance spends inside ONNX Runtime Run calls, in all and per graph.</summary>
public sealed class OrtTimer
{
    private readonly Dictionary<string, (long Ticks, int Runs)> _graphs = [];
    private long _ticks;
    private int _runs;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, _ticks);

    public int Runs => _runs;

    /// <summary>Time and runs of each graph.</summary>
    public IReadOnlyDictionary<string, (TimeSpan Time, int Runs)> ByGraph =>
        _graphs.ToDictionary(g => g.Key, g => (Stopwatch.GetElapsedTime(0, g.Value.Ticks), g.Value.Runs));

    public long Start() => Stopwatch.GetTimestamp();

    public void Stop(long started, string graph)
    {
        var ticks = Stopwatch.GetTimestamp() - started;
        _ticks += ticks;
        _runs++;
        var (total, runs) = _graphs.GetValueOrDefault(graph);
        _graphs[graph] = (total + ticks, runs + 1);
    }
}
