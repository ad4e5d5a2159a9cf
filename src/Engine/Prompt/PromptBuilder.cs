using QwenTts.Engine.Model;
using QwenTts.Engine.Text;

namespace QwenTts.Engine.Prompt;

/// <summary>
/// Lays out the talker prompt exactly as the official Qwen3-TTS generate() does:
/// [instruct T-only] [role T] [control pairs] then, non-streaming: T(content)+C(pad).., T(tts_eos)+C(pad),
/// T(tts_pad)+C(bos); streaming: T(content[0])+C(bos) with the rest of the content trailing, one per frame.
/// Whole templated strings are tokenized, then sliced, because BPE splits differently at boundaries.
/// </summary>
public sealed class PromptBuilder(QwenTokenizer tokenizer, ModelManifest manifest)
{
    private readonly TextIds _text = manifest.TextIds;
    private readonly CodecIds _codec = manifest.CodecIds;

    public TalkerPrompt Build(string text, string language, VoicePrompt voice, bool nonStreamingText = true)
    {
        text = tokenizer.StripAddedTokens(text);
        var (role, content) = TargetIds(text);
        if (content.Count == 0)
        {
            throw new ArgumentException("The text to speak is empty after tokenization.", nameof(text));
        }

        var positions = new List<PromptPosition>();

        var instruction = voice switch
        {
            VoicePrompt.Designed designed => designed.Description,
            VoicePrompt.Preset preset => preset.Instruction,
            _ => null,
        };
        if (!string.IsNullOrWhiteSpace(instruction))
        {
            positions.AddRange(InstructIds(tokenizer.StripAddedTokens(instruction)).Select(PromptPosition.TextOnly));
        }

        positions.AddRange(role.Select(PromptPosition.TextOnly));
        positions.AddRange(ControlPairs(language, voice));

        IReadOnlyList<int> trailing;
        if (voice is VoicePrompt.Cloned { IsIcl: true } clone)
        {
            trailing = AppendIcl(positions, content, clone, nonStreamingText);
        }
        else if (nonStreamingText)
        {
            positions.AddRange(content.Select(id => PromptPosition.Pair(id, _codec.Pad)));
            positions.Add(PromptPosition.Pair(_text.TtsEos, _codec.Pad));
            positions.Add(PromptPosition.Pair(_text.TtsPad, _codec.Bos));
            trailing = [];
        }
        else
        {
            positions.Add(PromptPosition.Pair(content[0], _codec.Bos));
            trailing = [.. content.Skip(1), _text.TtsEos];
        }

        return new TalkerPrompt(positions, trailing) { ContentTokenCount = content.Count };
    }

    /// <summary>"&lt;|im_start|&gt;assistant\n{text}&lt;|im_end|&gt;\n&lt;|im_start|&gt;assistant\n": ids[:3] role, ids[3:-5] content.</summary>
    public (IReadOnlyList<int> Role, IReadOnlyList<int> Content) TargetIds(string text)
    {
        var ids = tokenizer.Encode($"<|im_start|>assistant\n{text}<|im_end|>\n<|im_start|>assistant\n");
        return (ids.Take(3).ToArray(), ids.Skip(3).Take(ids.Count - 8).ToArray());
    }

    /// <summary>"&lt;|im_start|&gt;user\n{description}&lt;|im_end|&gt;\n": all ids, as text-only positions.</summary>
    public IReadOnlyList<int> InstructIds(string description) =>
        tokenizer.Encode($"<|im_start|>user\n{description}<|im_end|>\n");

    /// <summary>Reference text of an ICL prompt: "&lt;|im_start|&gt;assistant\n{ref}&lt;|im_end|&gt;\n", ids[3:-2].</summary>
    public IReadOnlyList<int> ReferenceIds(string referenceText)
    {
        var ids = tokenizer.Encode($"<|im_start|>assistant\n{referenceText}<|im_end|>\n");
        return ids.Skip(3).Take(ids.Count - 5).ToArray();
    }

    /// <summary>
    /// (tts_pad, think) (tts_pad, think_bos) (tts_pad, lang) (tts_pad, think_eos) [(tts_pad, speaker)] (tts_bos, pad);
    /// language "auto": (tts_pad, nothink) (tts_pad, think_bos) (tts_pad, think_eos) [...] (tts_bos, pad).
    /// </summary>
    private IEnumerable<PromptPosition> ControlPairs(string language, VoicePrompt voice)
    {
        var languageId = ResolveLanguage(language, voice);
        var codecs = new List<PromptPosition>();
        if (languageId is null)
        {
            codecs.Add(PromptPosition.Pair(_text.TtsPad, _codec.NoThink));
            codecs.Add(PromptPosition.Pair(_text.TtsPad, _codec.ThinkBos));
            codecs.Add(PromptPosition.Pair(_text.TtsPad, _codec.ThinkEos));
        }
        else
        {
            codecs.Add(PromptPosition.Pair(_text.TtsPad, _codec.Think));
            codecs.Add(PromptPosition.Pair(_text.TtsPad, _codec.ThinkBos));
            codecs.Add(PromptPosition.Pair(_text.TtsPad, languageId.Value));
            codecs.Add(PromptPosition.Pair(_text.TtsPad, _codec.ThinkEos));
        }

        switch (voice)
        {
            case VoicePrompt.Preset preset:
                codecs.Add(PromptPosition.Pair(_text.TtsPad, SpeakerOf(preset.Speaker).CodecId));
                break;
            case VoicePrompt.Cloned:
                codecs.Add(new PromptPosition(_text.TtsPad, CodecSlot.SpeakerVector, 0));
                break;
        }

        codecs.Add(PromptPosition.Pair(_text.TtsBos, _codec.Pad));
        return codecs;
    }

    /// <summary>
    /// ICL (Base, reference codes): T(ref_text + text) + C(pad) each, T(tts_eos)+C(pad), then C(bos) and each reference
    /// frame plus tts_pad (non-streaming). Streaming pairs text and codec positions and trails the text left over.
    /// </summary>
    private IReadOnlyList<int> AppendIcl(List<PromptPosition> positions, IReadOnlyList<int> content, VoicePrompt.Cloned clone, bool nonStreamingText)
    {
        var text = ReferenceIds(clone.ReferenceText!).Concat(content).Append(_text.TtsEos).ToArray();
        var codec = new List<(CodecSlot Slot, int Value)> { (CodecSlot.Token, _codec.Bos) };
        codec.AddRange(Enumerable.Range(0, clone.ReferenceFrames).Select(f => (CodecSlot.ReferenceFrame, f)));

        if (nonStreamingText)
        {
            positions.AddRange(text.Select(id => PromptPosition.Pair(id, _codec.Pad)));
            positions.AddRange(codec.Select(c => new PromptPosition(_text.TtsPad, c.Slot, c.Value)));
            return [];
        }

        var paired = Math.Min(text.Length, codec.Count);
        for (var i = 0; i < codec.Count; i++)
        {
            positions.Add(new PromptPosition(i < paired ? text[i] : _text.TtsPad, codec[i].Slot, codec[i].Value));
        }

        return text.Skip(paired).ToArray();
    }

    private int? ResolveLanguage(string language, VoicePrompt voice)
    {
        var name = language.Trim().ToLowerInvariant();
        int? id = null;
        if (name != QwenIds.AutoLanguage)
        {
            id = manifest.Languages.FirstOrDefault(l => string.Equals(l.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
            if (id == 0)
            {
                throw new ArgumentException(
                    $"Language '{language}' is not supported; use auto or one of: {string.Join(", ", manifest.Languages.Keys.Order())}.", nameof(language));
            }
        }

        // A dialect speaker speaking Chinese (or auto) uses its dialect's language id, as the official code does.
        if (voice is VoicePrompt.Preset preset && name is "chinese" or QwenIds.AutoLanguage
            && SpeakerOf(preset.Speaker).Dialect is { } dialect
            && manifest.Languages.FirstOrDefault(l => string.Equals(l.Key, dialect, StringComparison.OrdinalIgnoreCase)).Value is var dialectId and > 0)
        {
            id = dialectId;
        }

        return id;
    }

    private PresetSpeaker SpeakerOf(string speaker) =>
        manifest.Speakers.FirstOrDefault(s => string.Equals(s.Key, speaker, StringComparison.OrdinalIgnoreCase)).Value
        ?? throw new ArgumentException($"Speaker '{speaker}' is not one of this model's preset speakers ({string.Join(", ", manifest.Speakers.Keys)}).", nameof(speaker));
}
