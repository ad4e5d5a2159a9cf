namespace QwenTts.Engine.Model;

/// <summary>A model directory that does not match what the engine needs; the message names the graph and tensor.</summary>
public sealed class ModelValidationException : Exception
{
    public ModelValidationException(string message) : base(message)
    {
    }

    public ModelValidationException(string message, Exception inner) : base(message, inner)
    {
    }

    public ModelValidationException(string message, IReadOnlyList<Runtime.GraphCheck> checks) : base(message) => Checks = checks;

    /// <summary>Per-graph results when the graphs were read (every graph, matching or not).</summary>
    public IReadOnlyList<Runtime.GraphCheck> Checks { get; } = [];
}
