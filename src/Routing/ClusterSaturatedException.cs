namespace QwenTts.Routing;

/// <summary>No card can take the request now (all full, draining or gone). Retry after <see cref="RetryAfter"/>.</summary>
public sealed class ClusterSaturatedException(string message, TimeSpan retryAfter) : Exception(message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The request failed on its card after audio had started, or the card reported a failure.</summary>
public sealed class SynthesisFailedException(string message, bool retryable) : Exception(message)
{
    /// <summary>True when nothing was sent to the caller yet, so trying again is safe.</summary>
    public bool Retryable { get; } = retryable;
}

/// <summary>The card found the request itself invalid (unsupported language or speaker, nothing to say).</summary>
public sealed class InvalidSynthesisRequestException(string message) : Exception(message);

/// <summary>A card's stream went quiet, or the card left the card table (<paramref name="siloGone"/>): the card counts as failed.</summary>
public sealed class CardUnresponsiveException(string message, bool siloGone) : Exception(message)
{
    public bool SiloGone { get; } = siloGone;
}
