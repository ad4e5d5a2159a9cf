using System.Diagnostics;
using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Benchmarking;

/// <summary>What one concurrency level measured.</summary>
public sealed record LevelResult(
    int Concurrency,
    int Utterances,
    int Errors,
    int Frames,
    TimeSpan Elapsed,
    IReadOnlyList<SynthesisStats> Stats)
{
    public double FramesPerSecond => Elapsed > TimeSpan.Zero ? Frames / Elapsed.TotalSeconds : 0;

    /// <summary>Rounds of the same level as one: their frames over their time, their utterances pooled.</summary>
    public static LevelResult Combine(IReadOnlyList<LevelResult> rounds) => new(
        rounds[0].Concurrency, rounds.Sum(r => r.Utterances), rounds.Sum(r => r.Errors), rounds.Sum(r => r.Frames),
        TimeSpan.FromTicks(rounds.Sum(r => r.Elapsed.Ticks)), [.. rounds.SelectMany(r => r.Stats)]);

    public double OrtShare => Stats.Sum(s => s.Wall.Ticks) is var wall and > 0 ? Stats.Sum(s => s.OrtTime.Ticks) / (double)wall : 0;

    /// <summary>ONNX Runtime runs per generated frame, over all utterances.</summary>
    public double RunsPerFrame => Frames > 0 ? Stats.Sum(s => s.OrtRuns) / (double)Frames : 0;

    /// <summary>Milliseconds per generated frame spent in each graph, over all utterances.</summary>
    public IReadOnlyDictionary<string, double> MillisecondsPerFrame => Stats
        .SelectMany(s => s.GraphTimes)
        .GroupBy(g => g.Key)
        .ToDictionary(g => g.Key, g => Frames > 0 ? g.Sum(x => x.Value.Time.TotalMilliseconds) / Frames : 0);

    public TimeSpan WallPercentile(double p) => Percentile(Stats.Select(s => s.Wall), p);

    public TimeSpan FirstAudioPercentile(double p) => Percentile(Stats.Select(s => s.TimeToFirstAudio), p);

    public double RealTimeFactorPercentile(double p)
    {
        var sorted = Stats.Select(s => s.RealTimeFactor).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Index(sorted.Length, p)];
    }

    private static TimeSpan Percentile(IEnumerable<TimeSpan> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? TimeSpan.Zero : sorted[Index(sorted.Length, p)];
    }

    private static int Index(int length, double p) => Math.Clamp((int)Math.Ceiling(p * length) - 1, 0, length - 1);
}

/// <summary>
/// Runs <c>count</c> utterances with <c>concurrency</c> of them in flight at once and gathers each one's final
/// statistics; failures are counted, not thrown, so a level reports its stability.
/// </summary>
public static class LoadRunner
{
    public static async Task<LevelResult> RunAsync(int concurrency, int count,
        Func<int, CancellationToken, IAsyncEnumerable<AudioChunk>> utterance, CancellationToken cancellationToken = default)
    {
        var stats = new List<SynthesisStats>();
        var errors = 0;
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < count)
            {
                try
                {
                    await foreach (var chunk in utterance(index, cancellationToken))
                    {
                        if (chunk.Stats is { } s)
                        {
                            lock (stats)
                            {
                                stats.Add(s);
                            }
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        }, cancellationToken)));
        watch.Stop();
        return new LevelResult(concurrency, stats.Count, errors, stats.Sum(s => s.Frames), watch.Elapsed, stats);
    }
}
