using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// Refuses the fields of a speech request that would otherwise be dropped without a word: a field nobody knows, a field
/// of a reference we follow that this server does not implement, and a speech field this endpoint does not take. A
/// caller who sends speaker_embedding must learn it was not applied, as OpenAI answers unknown arguments.
/// </summary>
public static class SpeechFields
{
    /// <summary>
    /// Fields of vLLM-Omni's speech request (OpenAI's are all served) that this server does not implement, with what to do
    /// instead. Listed in the README; a new control that gets implemented leaves this list.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Unsupported = new Dictionary<string, string>
    {
        ["speaker"] = "vLLM-Omni's alias of voice; send voice",
        ["stream"] = "send stream_format: \"sse\" for server-sent events (audio is always streamed)",
        ["speaker_embedding"] = "clone from a recording (ref_audio, or a voice from POST /v1/audio/voices)",
        ["ref_audio_2"] = "two-speaker dialogue models are not served here",
        ["references"] = "send ref_audio and ref_text",
        ["ambient_sound"] = "sound-effect models are not served here",
        ["duration_seconds"] = "sound-effect models are not served here",
        ["initial_codec_chunk_frames"] = "the cards choose their chunk schedule",
        ["non_streaming_mode"] = "the prompt mode follows the task",
        ["extra_params"] = "model-specific parameters are not passed through",
        ["word_timestamps"] = "word timestamps are not produced",
    };

    private static readonly ConcurrentDictionary<Type, string[]> KnownByType = new();

    /// <summary>A 400's detail naming every field of the request that is refused on this surface, or null when none is.</summary>
    public static string? Check(SpeechRequest request, SpeechSurface surface)
    {
        var refused = new List<string>();
        var unknown = new List<string>();
        foreach (var name in request.Unrecognized?.Keys ?? Enumerable.Empty<string>())
        {
            if (Unsupported.TryGetValue(name, out var instead))
            {
                refused.Add($"{name} is not supported by this server ({instead})");
            }
            else
            {
                unknown.Add(name);
            }
        }

        foreach (var (name, why) in surface.NotTaken)
        {
            if (IsSet(request, name))
            {
                refused.Add($"{name} is not taken by {surface.Name} ({why})");
            }
        }

        if (unknown.Count > 0)
        {
            var known = Known(request.GetType()).Where(n => !surface.NotTaken.ContainsKey(n));
            refused.Insert(0, $"unknown field{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(n => $"'{n}'"))}: " +
                              $"not supported by this server; {surface.Name} takes {string.Join(", ", known)}");
        }

        return refused.Count == 0 ? null : string.Join("; ", refused) + ".";
    }

    /// <summary>The JSON names of a request type's fields, in declaration order.</summary>
    public static string[] Known(Type type) => KnownByType.GetOrAdd(type, t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)
        .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
        .OfType<string>()
        .ToArray());

    private static bool IsSet(SpeechRequest request, string name) => name switch
    {
        "input" => request.Input is not null,
        "stream_format" => request.StreamFormat is not null,
        "task_type" => request.TaskType is not null,
        "ref_audio" => request.RefAudio is not null,
        "ref_text" => request.RefText is not null,
        "x_vector_only_mode" => request.XVectorOnlyMode is not null,
        "max_new_tokens" => request.MaxNewTokens is not null,
        "input_format" => request.InputFormat is not null,
        "lexicons" => request.Lexicons is not null,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "not a speech field a surface can leave out"),
    };
}
