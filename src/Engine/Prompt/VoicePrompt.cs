namespace QwenTts.Engine.Prompt;

/// <summary>Who speaks: a described voice (VoiceDesign), a preset speaker (CustomVoice) or a cloned one (Base).</summary>
public abstract record VoicePrompt
{
    private VoicePrompt()
    {
    }

    /// <summary>VoiceDesign: a natural-language description of the voice; no speaker slot.</summary>
    public sealed record Designed(string Description) : VoicePrompt;

    /// <summary>CustomVoice: one of the preset speakers, optionally with a style instruction.</summary>
    public sealed record Preset(string Speaker, string? Instruction = null) : VoicePrompt;

    /// <summary>
    /// Base: the speaker x-vector (talker width) in the speaker slot; with reference codes and text it is the ICL
    /// prompt of the design-then-clone workflow, without them x-vector-only mode.
    /// </summary>
    public sealed record Cloned(float[] SpeakerEmbedding, long[]? ReferenceCodes = null, int ReferenceFrames = 0, string? ReferenceText = null) : VoicePrompt
    {
        public bool IsIcl => ReferenceCodes is not null && ReferenceFrames > 0 && ReferenceText is not null;
    }
}
