using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// The speech fields, written once for every way in: POST /v1/audio/speech (OpenAI's fields, the native language and
/// seed, vLLM-Omni's cloning fields), jobs (<see cref="Jobs.JobRequest"/>) and the WebSocket's session.config. Which of
/// them an endpoint takes is its <see cref="SpeechSurface"/>'s business; fields no endpoint knows land in
/// <see cref="Unrecognized"/> and are refused by name (<see cref="SpeechFields"/>), never silently dropped.
/// </summary>
public record SpeechRequest
{
    /// <summary>Model id; "qwen3-tts" or an OpenAI name (tts-1, tts-1-hd, gpt-4o-mini-tts), all served by this cluster's model.</summary>
    [JsonPropertyName("model")]
    public string? Model { get; init; }

    /// <summary>The text to speak.</summary>
    [JsonPropertyName("input")]
    public string? Input { get; init; }

    /// <summary>A named voice of your tenant (see /v1/voices), its id (also as {"id": "voice_..."}), or an OpenAI voice name (alloy, nova, ...).</summary>
    [JsonPropertyName("voice")]
    public VoiceReference? Voice { get; init; }

    /// <summary>Without a named voice: the voice description. With one: style added on top of it.</summary>
    [JsonPropertyName("instructions")]
    public string? Instructions { get; init; }

    /// <summary>mp3 (default), opus, aac, flac, wav, pcm (16-bit mono little-endian), pcm_mulaw or pcm_alaw (G.711, 8 kHz, a byte a sample).</summary>
    [JsonPropertyName("response_format")]
    [DefaultValue("mp3")]
    public string? ResponseFormat { get; init; }

    /// <summary>Output sample rate: 8000, 16000, 24000 (the model's, the default) or 48000; pcm_mulaw and pcm_alaw are 8000 only.</summary>
    [JsonPropertyName("sample_rate")]
    public int? SampleRate { get; init; }

    /// <summary>0.25 to 4.0; changes tempo without changing pitch.</summary>
    [JsonPropertyName("speed")]
    public double? Speed { get; init; }

    /// <summary>Native: pitch shift in semitones, -12 to +12 (0, the default, leaves it); the duration is kept.</summary>
    [JsonPropertyName("pitch")]
    public double? Pitch { get; init; }

    /// <summary>
    /// Native: loudness as a linear gain, 0.0 to 4.0 (1.0, the default, leaves it; 2.0 is twice the amplitude, about +6 dB;
    /// 0.5 about -6 dB). Peaks that would pass -1 dBFS are limited smoothly, never clipped.
    /// </summary>
    [JsonPropertyName("volume")]
    public double? Volume { get; init; }

    /// <summary>"audio" (the file, sent as it is made) or "sse" (server-sent events with base64 chunks).</summary>
    [JsonPropertyName("stream_format")]
    public string? StreamFormat { get; init; }

    /// <summary>Native: a language name (english, chinese, ...) or "auto" (detected from the text).</summary>
    [JsonPropertyName("language")]
    public string? Language { get; init; }

    /// <summary>Native (and vLLM-Omni's top-level seed): fixes sampling, so the same request gives the same audio.</summary>
    [JsonPropertyName("seed")]
    public ulong? Seed { get; init; }

    /// <summary>vLLM-Omni: VoiceDesign (a description or a saved voice), Base (cloning: ref_audio or a cloned voice) or CustomVoice (not loaded here).</summary>
    [JsonPropertyName("task_type")]
    public string? TaskType { get; init; }

    /// <summary>vLLM-Omni: a reference recording for one-shot cloning, as a base64 data URL only (data:audio/wav;base64,...); URLs are never fetched.</summary>
    [JsonPropertyName("ref_audio")]
    public string? RefAudio { get; init; }

    /// <summary>vLLM-Omni: the transcript of ref_audio; required unless x_vector_only_mode.</summary>
    [JsonPropertyName("ref_text")]
    public string? RefText { get; init; }

    /// <summary>vLLM-Omni: clone from the speaker embedding alone, without ref_text.</summary>
    [JsonPropertyName("x_vector_only_mode")]
    public bool? XVectorOnlyMode { get; init; }

    /// <summary>vLLM-Omni: at most this many codec frames (12.5 a second) per segment.</summary>
    [JsonPropertyName("max_new_tokens")]
    public int? MaxNewTokens { get; init; }

    /// <summary>Native: "text" (the default) or "ssml" (input is an SSML document: speak, break, prosody rate, say-as, sub, lang).</summary>
    [JsonPropertyName("input_format")]
    [DefaultValue("text")]
    public string? InputFormat { get; init; }

    /// <summary>Native: names of your tenant's lexicons (see /v1/lexicons) applied to the text before it is spoken; the first named wins a grapheme.</summary>
    [JsonPropertyName("lexicons")]
    public string[]? Lexicons { get; init; }

    /// <summary>Every field of the body this record does not know; a non-empty set is a 400 that names them.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unrecognized { get; init; }
}
