using System.Diagnostics;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// Accumulates the time one utterance spends inside ONNX Runtime Run calls, in all and per graph. Thread-safe: a batched
/// utterance's steps are timed on its lane's thread while its own thread times its codec decode.
/// </summary>
public sealed class OrtTimer
{
    private readonly Dictionary<string, (long Ticks, int Runs)> _graphs = [];
    private long _ticks;
    private int _runs;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref _ticks));

    public int Runs => Volatile.Read(ref _runs);

    /// <summary>Time and runs of each graph.</summary>
    public IReadOnlyDictionary<string, (TimeSpan Time, int Runs)> ByGraph
    {
        get
        {
            lock (_graphs)
            {
                return _graphs.ToDictionary(g => g.Key, g => (Stopwatch.GetElapsedTime(0, g.Value.Ticks), g.Value.Runs));
            }
        }
    }

    public long Start() => Stopwatch.GetTimestamp();

    public void Stop(long started, string graph)
    {
        var ticks = Stopwatch.GetTimestamp() - started;
        lock (_graphs)
        {
            _ticks += ticks;
            _runs++;
            var (total, runs) = _graphs.GetValueOrDefault(graph);
            _graphs[graph] = (total + ticks, runs + 1);
        }
    }
}
