using QwenTts.Engine.Model;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Text;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>The talker prompt layout, position by position, against the official generate().</summary>
public sealed class PromptBuilderTests : IAsyncLifetime
{
    private const int ImStart = 151644, ImEnd = 151645, Assistant = 77091, User = 872, Newline = 198;
    private const int TtsPad = 151671, TtsBos = 151672, TtsEos = 151673;
    private const int Pad = 2148, Bos = 2149, Think = 2154, NoThink = 2155, ThinkBos = 2156, ThinkEos = 2157, English = 2050;

    private static readonly ModelManifest Manifest = new()
    {
        Name = "test",
        Talker = new TalkerShape { Hidden = 8, Layers = 1 },
        Graphs = new Dictionary<string, string>(),
        Speakers = new Dictionary<string, PresetSpeaker> { ["vivian"] = new(3065), ["eric"] = new(3070, "sichuan") },
        Languages = new Dictionary<string, int>(QwenIds.Languages) { ["sichuan"] = 2062 },
    };

    private PromptBuilder? _builder;

    private PromptBuilder Builder => _builder!;

    public async Task InitializeAsync()
    {
        await MiniatureModels.EnsureTokenizerAsync();
        _builder = new PromptBuilder(QwenTokenizer.Load(MiniatureModels.TokenizerJson), Manifest);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void Voice_design_non_streaming_follows_the_official_layout()
    {
        var prompt = Builder.Build("Hello, world!", "english", new VoicePrompt.Designed("A calm voice"));

        var instruct = Builder.InstructIds("A calm voice");
        Assert.Equal([ImStart, User, Newline], instruct.Take(3));
        Assert.Equal([ImEnd, Newline], instruct.TakeLast(2));
        PromptPosition[] expected =
        [
            .. instruct.Select(PromptPosition.TextOnly),
            PromptPosition.TextOnly(ImStart), PromptPosition.TextOnly(Assistant), PromptPosition.TextOnly(Newline),
            PromptPosition.Pair(TtsPad, Think), PromptPosition.Pair(TtsPad, ThinkBos), PromptPosition.Pair(TtsPad, English),
            PromptPosition.Pair(TtsPad, ThinkEos), PromptPosition.Pair(TtsBos, Pad),
            PromptPosition.Pair(9707, Pad), PromptPosition.Pair(11, Pad), PromptPosition.Pair(1879, Pad), PromptPosition.Pair(0, Pad),
            PromptPosition.Pair(TtsEos, Pad), PromptPosition.Pair(TtsPad, Bos),
        ];
        Assert.Equal(expected, prompt.Positions);
        Assert.Empty(prompt.TrailingTextIds);
        Assert.Equal(4, prompt.ContentTokenCount);
    }

    [Fact]
    public void Streaming_text_mode_starts_with_the_first_token_and_trails_the_rest_then_tts_eos()
    {
        var prompt = Builder.Build("Hello, world!", "auto", new VoicePrompt.Designed("A calm voice"), nonStreamingText: false);

        Assert.Equal(
            [PromptPosition.Pair(TtsPad, NoThink), PromptPosition.Pair(TtsPad, ThinkBos), PromptPosition.Pair(TtsPad, ThinkEos),
             PromptPosition.Pair(TtsBos, Pad), PromptPosition.Pair(9707, Bos)],
            prompt.Positions.TakeLast(5));
        Assert.Equal([11, 1879, 0, TtsEos], prompt.TrailingTextIds);
    }

    [Fact]
    public void A_preset_speaker_takes_the_speaker_slot_and_a_dialect_speaker_its_dialect_in_chinese()
    {
        var vivian = Builder.Build("你好", "english", new VoicePrompt.Preset("Vivian"));
        var eric = Builder.Build("你好", "chinese", new VoicePrompt.Preset("eric"));

        Assert.Equal(PromptPosition.Pair(TtsPad, 3065), vivian.Positions[7]);
        Assert.Equal(PromptPosition.TextOnly(ImStart), vivian.Positions[0]); // no instruction: the role comes first
        Assert.Equal(PromptPosition.Pair(TtsPad, 2062), eric.Positions[5]);
    }

    [Fact]
    public void A_cloned_voice_has_a_speaker_vector_slot_and_icl_puts_reference_frames_after_the_text()
    {
        var xvectorOnly = Builder.Build("Hi", "english", new VoicePrompt.Cloned(new float[8]));
        var icl = Builder.Build("Hi", "english", new VoicePrompt.Cloned(new float[8], new long[3 * 16], 3, "Ok"));

        Assert.Equal(new PromptPosition(TtsPad, CodecSlot.SpeakerVector, 0), xvectorOnly.Positions[7]);
        var referenceIds = Builder.ReferenceIds("Ok");
        PromptPosition[] tail =
        [
            .. referenceIds.Select(id => PromptPosition.Pair(id, Pad)),
            PromptPosition.Pair(13048, Pad), PromptPosition.Pair(TtsEos, Pad),
            PromptPosition.Pair(TtsPad, Bos),
            new(TtsPad, CodecSlot.ReferenceFrame, 0), new(TtsPad, CodecSlot.ReferenceFrame, 1), new(TtsPad, CodecSlot.ReferenceFrame, 2),
        ];
        Assert.Equal(tail, icl.Positions.TakeLast(tail.Length));
    }

    [Fact]
    public void An_unknown_language_or_speaker_is_a_clear_error()
    {
        var language = Assert.Throws<ArgumentException>(() => Builder.Build("Hi", "klingon", new VoicePrompt.Designed("x")));
        var speaker = Assert.Throws<ArgumentException>(() => Builder.Build("Hi", "english", new VoicePrompt.Preset("nobody")));

        Assert.Contains("Language 'klingon' is not supported", language.Message, StringComparison.Ordinal);
        Assert.Contains("Speaker 'nobody'", speaker.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_that_is_only_control_tokens_is_rejected_as_empty()
    {
        Assert.Throws<ArgumentException>(() => Builder.Build("<|im_end|>", "english", new VoicePrompt.Designed("x")));
    }
}
