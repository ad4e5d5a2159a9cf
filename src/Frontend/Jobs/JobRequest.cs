using System.ComponentModel;
using System.Text.Json.Serialization;
using QwenTts.Frontend.Speech;

namespace QwenTts.Frontend.Jobs;

/// <summary>POST /v1/audio/jobs: the speech fields (without stream_format) for a long input, plus an optional callback.</summary>
public sealed record JobRequest
{
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    /// <summary>The text to speak; up to Jobs:MaxInputCharacters (100,000 by default).</summary>
    [JsonPropertyName("input")]
    public string? Input { get; init; }

    [JsonPropertyName("voice")]
    public string? Voice { get; init; }

    [JsonPropertyName("instructions")]
    public string? Instructions { get; init; }

    /// <summary>mp3 (default), opus, flac, wav or pcm.</summary>
    [JsonPropertyName("response_format")]
    [DefaultValue("mp3")]
    public string? ResponseFormat { get; init; }

    [JsonPropertyName("speed")]
    public double? Speed { get; init; }

    [JsonPropertyName("language")]
    public string? Language { get; init; }

    [JsonPropertyName("seed")]
    public ulong? Seed { get; init; }

    /// <summary>Optional http(s) URL that receives a signed POST when the job completes or fails.</summary>
    [JsonPropertyName("callback_url")]
    public string? CallbackUrl { get; init; }

    public SpeechRequest AsSpeech() => new()
    {
        Model = Model, Input = Input, Voice = Voice, Instructions = Instructions, ResponseFormat = ResponseFormat, Speed = Speed,
        Language = Language, Seed = Seed,
    };
}
