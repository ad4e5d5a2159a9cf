namespace QwenTts.Engine.Runtime;

/// <summary>
/// A graph produced NaN or infinity (fp16 overflow, a broken kernel, a bad export). The utterance fails at once,
/// naming the graph and the step, rather than sampling noise from garbage; it is counted in
/// <c>qwentts.engine.non_finite</c> and the card's health sees it.
/// </summary>
public sealed class NonFiniteOutputException(string graph, int step, string what)
    : Exception($"Graph '{graph}' produced non-finite {what} at step {step} (NaN or inf: fp16 overflow or a broken kernel?). " +
                "The utterance was stopped; run `QwenTts.Silo model-check DIR --deep` on this card.")
{
    public string Graph { get; } = graph;

    public int Step { get; } = step;

    /// <summary>Throws (and counts) when any value is NaN or infinite.</summary>
    public static void ThrowIfAny(ReadOnlySpan<float> values, string graph, int step, string what)
    {
        if (AllFinite(values))
        {
            return;
        }

        EngineMetrics.NonFiniteOutput(graph);
        throw new NonFiniteOutputException(graph, step, what);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        foreach (var value in values)
        {
            if (!float.IsFinite(value))
            {
                return false;
            }
        }

        return true;
    }
}
