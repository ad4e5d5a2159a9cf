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
}
