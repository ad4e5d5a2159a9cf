namespace QwenTts.Frontend.Robots;

/// <summary>A chat tool refused or failed a robot message; <paramref name="Retryable"/> when trying again may help.</summary>
public sealed class RobotDeliveryException(string message, bool retryable) : Exception(message)
{
    public bool Retryable { get; } = retryable;
}
