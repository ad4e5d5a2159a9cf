namespace QwenTts.ServiceDefaults.Tracing;

/// <summary>
/// Marks an endpoint whose path carries a secret (an audio link's token): logs and trace spans show its route, never the
/// path.
/// </summary>
public sealed class SecretInPathMetadata;
