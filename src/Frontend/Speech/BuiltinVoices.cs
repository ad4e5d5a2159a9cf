namespace QwenTts.Frontend.Speech;

/// <summary>
/// OpenAI's voice names, so unchanged SDK code works: each maps to a designed voice with a fixed seed. A tenant's own
/// voice of the same name takes precedence.
/// </summary>
public static class BuiltinVoices
{
    public sealed record Builtin(string Description, ulong Seed);

    public static IReadOnlyDictionary<string, Builtin> All { get; } = new Dictionary<string, Builtin>(StringComparer.OrdinalIgnoreCase)
    {
        ["alloy"] = new("A balanced, neutral adult voice, clear and even.", 1001),
        ["ash"] = new("A warm, slightly husky male voice, relaxed and friendly.", 1002),
        ["ballad"] = new("A soft, melodic male voice with gentle expression.", 1003),
        ["coral"] = new("A bright, cheerful female voice, upbeat and clear.", 1004),
        ["echo"] = new("A calm, resonant male voice with a steady pace.", 1005),
        ["fable"] = new("An expressive storyteller's voice with a light British accent.", 1006),
        ["nova"] = new("A young, energetic female voice, friendly and crisp.", 1007),
        ["onyx"] = new("A deep, authoritative male voice, slow and confident.", 1008),
        ["sage"] = new("A thoughtful, mature female voice, measured and calm.", 1009),
        ["shimmer"] = new("A light, airy female voice, soft and pleasant.", 1010),
        ["verse"] = new("A versatile, lively voice with clear articulation.", 1011),
    };
}
