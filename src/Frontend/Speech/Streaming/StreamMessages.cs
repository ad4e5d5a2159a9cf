using System.Text.Json;
using System.Text.Json.Serialization;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>
/// A client message of the vLLM-Omni streaming protocol as first read: its type, and for input.text its text.
/// session.config is read again as a <see cref="StreamSessionConfig"/>; input.text, input.done and session.close take
/// nothing else (nor do input.clear and response.cancel), and any other field is refused by name.
/// </summary>
public sealed record StreamClientMessage
{
    [JsonPropertyName("type")] public string? Type { get; init; }

    [JsonPropertyName("text")] public JsonElement Text { get; init; }

    /// <summary>The message's other fields: a session.config's speech fields, or fields a message does not take.</summary>
    [JsonExtensionData] public Dictionary<string, JsonElement>? Rest { get; init; }
}

/// <summary>session.config: the speech fields (<see cref="SpeechSurface.Stream"/> says which it does not take), plus the protocol's own.</summary>
public sealed record StreamSessionConfig : SpeechRequest
{
    [JsonPropertyName("type")] public string? Type { get; init; }

    /// <summary>vLLM-Omni's switch for progressive PCM frames; audio is always streamed here.</summary>
    [JsonPropertyName("stream_audio")] public bool? StreamAudio { get; init; }
}

/// <summary>
/// A sentence's audio begins; binary frames follow. text_start/text_end: its range in the session's text so far (all
/// input.text joined, UTF-16 offsets, end exclusive); audio_start: seconds of the session's audio before it.
/// </summary>
public sealed record AudioStartEvent(int SentenceIndex, string SentenceText, string Format, int SampleRate, int TextStart, int TextEnd, double AudioStart)
{
    public string Type => "audio.start";
}

/// <summary>A sentence's audio is complete; audio_start/audio_end: where it lies in the session's audio, in seconds.</summary>
public sealed record AudioDoneEvent(int SentenceIndex, long TotalBytes, int BinaryFrames, int Frames, double Seconds, string Device, int TextStart, int TextEnd,
    double AudioStart, double AudioEnd, bool Error = false)
{
    public string Type => "audio.done";
}

/// <summary>input.clear done: the text buffered and the sentences queued but not yet speaking were dropped (characters of the session's text).</summary>
public sealed record InputClearedEvent(int Characters, int Sentences)
{
    public string Type => "input.cleared";
}

/// <summary>
/// response.cancel done: the sentence that was speaking (or about to) is stopped, no more of its audio follows, and no
/// audio.done for it; its audio_end is where its sent audio ended. All null when no sentence was speaking.
/// </summary>
public sealed record AudioCancelledEvent(int? SentenceIndex, string? SentenceText, int? TextStart, int? TextEnd, double? AudioStart, double? AudioEnd)
{
    public string Type => "audio.cancelled";
}

public sealed record StreamUsage(int InputTokens, int OutputTokens, int TotalTokens);

/// <summary>Every sentence has been spoken (or the client closed the session).</summary>
public sealed record SessionDoneEvent(string RequestId, int TotalSentences, long TotalBytes, double AudioSeconds, int Characters, IReadOnlyList<string> Devices,
    StreamUsage Usage)
{
    public string Type => "session.done";
}

/// <summary>What went wrong; the server closes the connection with <see cref="CloseCode"/> right after.</summary>
public sealed record StreamErrorEvent(string Code, string Message, int CloseCode)
{
    public string Type => "error";
}

public static class StreamJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };
}
