namespace QwenTts.Frontend.Robots;

/// <summary>What a robot posts: the finished job, its text, its stored file, the samples (for re-encoding) and a public link.</summary>
public sealed record RobotAudio(
    string JobId,
    string Text,
    double Seconds,
    string Format,
    Func<CancellationToken, Task<byte[]>> ReadFileAsync,
    Func<CancellationToken, Task<float[]>> ReadSamplesAsync,
    int SampleRate,
    string? Link,
    DateTimeOffset? ExpiresAt);
