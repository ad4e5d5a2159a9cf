namespace QwenTts.Engine.Prompt;

/// <summary>What the codec track holds at one prompt position.</summary>
public enum CodecSlot
{
    /// <summary>Nothing: a text-only position (the voice description).</summary>
    None,

    /// <summary>A codec token id (think, language, pad, bos...).</summary>
    Token,

    /// <summary>The speaker x-vector of a cloned voice, placed directly.</summary>
    SpeakerVector,

    /// <summary>Reference frame N of an ICL prompt: the sum of its 16 codebook embeddings.</summary>
    ReferenceFrame,
}

/// <summary>
/// One position of the talker prompt; the text and codec tracks are summed element-wise. TextId is -1 for no text.
/// CodecValue is the token id (Token) or the frame index (ReferenceFrame).
/// </summary>
public readonly record struct PromptPosition(int TextId, CodecSlot Codec, int CodecValue)
{
    public static PromptPosition TextOnly(int textId) => new(textId, CodecSlot.None, 0);

    public static PromptPosition Pair(int textId, int codecId) => new(textId, CodecSlot.Token, codecId);

    public override string ToString() => Codec switch
    {
        CodecSlot.None => $"T({TextId})",
        CodecSlot.Token => $"T({TextId})+C({CodecValue})",
        CodecSlot.SpeakerVector => $"T({TextId})+spk",
        _ => $"T({TextId})+ref[{CodecValue}]",
    };
}

/// <summary>
/// The talker prompt: its positions, and the text ids fed one per generated frame afterwards (streaming-text mode;
/// empty in non-streaming mode, where every step adds tts_pad).
/// </summary>
public sealed record TalkerPrompt(IReadOnlyList<PromptPosition> Positions, IReadOnlyList<int> TrailingTextIds)
{
    public int Length => Positions.Count;

    /// <summary>Text tokens of the utterance itself (used to bound its length).</summary>
    public int ContentTokenCount { get; init; }
}
