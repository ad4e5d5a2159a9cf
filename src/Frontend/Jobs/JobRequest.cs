using System.Text.Json.Serialization;
using QwenTts.Frontend.Speech;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// POST /v1/audio/jobs: the speech fields (<see cref="SpeechRequest"/>; <see cref="SpeechSurface.Jobs"/> says which a job
/// does not take) for a long input, plus an optional callback.
/// </summary>
public sealed record JobRequest : SpeechRequest
{
    /// <summary>Optional http(s) URL that receives a signed POST when the job completes or fails.</summary>
    [JsonPropertyName("callback_url")]
    public string? CallbackUrl { get; init; }
}
