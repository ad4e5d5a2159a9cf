namespace QwenTts.Frontend.Speech;

/// <summary>Input limits of the speech endpoint; bound from <c>Speech</c>.</summary>
public sealed class SpeechLimits
{
    public const string Section = "Speech";

    /// <summary>Longest input, in characters (OpenAI's limit is 4096).</summary>
    public int MaxInputCharacters { get; set; } = 4096;

    public int MaxInstructionCharacters { get; set; } = 1000;

    /// <summary>Largest request body, in bytes.</summary>
    public long MaxBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Largest speech request that carries ref_audio: a 10 MiB recording as base64, and the rest of the JSON.</summary>
    public const long MaxBodyBytesWithReferenceAudio = 15 * 1024 * 1024;

    /// <summary>Silence between segments of a long input, in milliseconds.</summary>
    public int SegmentPauseMilliseconds { get; set; } = 150;
}
