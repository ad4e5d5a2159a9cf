using System.Text.Json;
using System.Text.Json.Serialization;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>
/// A client message of the vLLM-Omni streaming protocol: session.config (the speech request's fields but input),
/// input.text, input.done, session.close. Fields a type does not use are ignored.
/// </summary>
public sealed record StreamClientMessage
{
    [JsonPropertyName("type")] public string? Type { get; init; }

    [JsonPropertyName("text")] public JsonElement Text { get; init; }

    [JsonPropertyName("model")] public string? Model { get; init; }

    /// <summary>A voice name, or {"id": name}.</summary>
    [JsonPropertyName("voice")] public JsonElement Voice { get; init; }

    [JsonPropertyName("instructions")] public string? Instructions { get; init; }

    [JsonPropertyName("language")] public string? Language { get; init; }

    [JsonPropertyName("response_format")] public string? ResponseFormat { get; init; }

    [JsonPropertyName("speed")] public double? Speed { get; init; }

    [JsonPropertyName("seed")] public ulong? Seed { get; init; }

    /// <summary>vLLM-Omni's task field; this cluster serves VoiceDesign, so only that (or nothing) is accepted.</summary>
    [JsonPropertyName("task_type")] public string? TaskType { get; init; }

    /// <summary>vLLM-Omni's switch for progressive PCM frames; audio is always streamed here.</summary>
    [JsonPropertyName("stream_audio")] public bool? StreamAudio { get; init; }
}

/// <summary>A sentence's audio begins; binary frames follow.</summary>
public sealed record AudioStartEvent(int SentenceIndex, string SentenceText, string Format, int SampleRate)
{
    public string Type => "audio.start";
}

/// <summary>A sentence's audio is complete.</summary>
public sealed record AudioDoneEvent(int SentenceIndex, long TotalBytes, int BinaryFrames, int Frames, double Seconds, string Device, bool Error = false)
{
    public string Type => "audio.done";
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
