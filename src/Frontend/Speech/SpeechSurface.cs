namespace QwenTts.Frontend.Speech;

/// <summary>
/// One way into speech (HTTP and SSE, jobs, the WebSocket's session.config): the formats it can send and the speech
/// fields it does not take, each with the reason a caller is told.
/// </summary>
public sealed record SpeechSurface(string Name, IReadOnlyList<string> Formats, IReadOnlyDictionary<string, string> NotTaken)
{
    /// <summary>POST /v1/audio/speech, audio or SSE: every speech field.</summary>
    public static readonly SpeechSurface Speech = new("/v1/audio/speech", Audio.AudioEncoders.Formats, new Dictionary<string, string>());

    /// <summary>POST /v1/audio/jobs: a stored file spoken from a described or saved voice.</summary>
    public static readonly SpeechSurface Jobs = new("/v1/audio/jobs", Audio.AudioEncoders.Formats, new Dictionary<string, string>
    {
        ["stream_format"] = "a job's audio is a stored file (GET /v1/audio/jobs/{id}/content)",
        ["task_type"] = "jobs speak described or saved voices (VoiceDesign); make a cloned voice first (POST /v1/audio/voices)",
        ["ref_audio"] = "jobs do not clone; make a voice from the recording first (POST /v1/audio/voices)",
        ["ref_text"] = "jobs do not clone; make a voice from the recording first (POST /v1/audio/voices)",
        ["x_vector_only_mode"] = "jobs do not clone; make a voice from the recording first (POST /v1/audio/voices)",
        ["max_new_tokens"] = "jobs speak each segment to its end",
    });

    /// <summary>The WebSocket's session.config: the text comes in input.text messages, audio as raw frames.</summary>
    public static readonly SpeechSurface Stream = new("session.config", ["pcm", "wav", "pcm_mulaw", "pcm_alaw"], new Dictionary<string, string>
    {
        ["input"] = "the text comes in input.text messages",
        ["stream_format"] = "audio is always sent as binary frames",
        ["ref_audio"] = "sessions speak described or saved voices; make a voice from the recording first (POST /v1/audio/voices)",
        ["ref_text"] = "sessions speak described or saved voices; make a voice from the recording first (POST /v1/audio/voices)",
        ["x_vector_only_mode"] = "sessions speak described or saved voices; make a voice from the recording first (POST /v1/audio/voices)",
        ["max_new_tokens"] = "each sentence is spoken to its end",
        ["input_format"] = "the text arrives in pieces and an SSML document must be read whole; send SSML to POST /v1/audio/speech or /v1/audio/jobs",
        ["lexicons"] = "sessions do not apply lexicons yet; send the text to POST /v1/audio/speech or /v1/audio/jobs",
    });
}
