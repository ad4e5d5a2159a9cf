namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>Limits of the WebSocket text-in endpoint; bound from <c>Speech:Streaming</c>.</summary>
public sealed class StreamingOptions
{
    public const string Section = "Speech:Streaming";

    /// <summary>Time allowed for the first message (session.config) after the connection opens.</summary>
    public TimeSpan ConfigTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>A session whose client sends nothing for this long before input.done is closed (4408).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Unpunctuated text waiting this long without more text is spoken as it is.</summary>
    public TimeSpan SentenceIdleFlush { get; set; } = TimeSpan.FromMilliseconds(800);

    /// <summary>Unpunctuated text longer than this is cut at its last clause mark or word boundary and spoken.</summary>
    public int MaxPendingCharacters { get; set; } = 150;

    /// <summary>Largest single client message, in bytes (1009 beyond it).</summary>
    public int MaxMessageBytes { get; set; } = 16 * 1024;

    /// <summary>Most text one session may send, in characters.</summary>
    public int MaxSessionCharacters { get; set; } = 100_000;
}
