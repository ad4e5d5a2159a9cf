namespace QwenTts.Storage.Audio;

/// <summary>The audio store could not be reached or refused an operation: a system failure (503 on reads, a retry or a failed job on writes).</summary>
public sealed class AudioStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
