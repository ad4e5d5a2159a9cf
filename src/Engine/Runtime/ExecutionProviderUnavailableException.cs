namespace QwenTts.Engine.Runtime;

/// <summary>The loaded ONNX Runtime native library lacks the provider a card needs; the message says which build to install.</summary>
public sealed class ExecutionProviderUnavailableException(string message) : Exception(message);
