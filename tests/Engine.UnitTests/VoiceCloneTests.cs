using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>The design-then-clone workflow on miniatures: design a clip, clone it with the Base model, speak with it.</summary>
public sealed class VoiceCloneTests : IAsyncLifetime
{
    private string _designDirectory = "";
    private string _baseDirectory = "";

    public async Task InitializeAsync()
    {
        _designDirectory = await MiniatureModels.BuildAsync("tiny");
        _baseDirectory = await MiniatureModels.BuildAsync("tiny", ModelVariant.Base);
    }

    public Task DisposeAsync()
    {
        MiniatureModels.Delete(_designDirectory);
        MiniatureModels.Delete(_baseDirectory);
        return Task.CompletedTask;
    }

    [Fact]
    public void A_designed_clip_cloned_by_the_base_model_gives_a_reusable_reproducible_icl_prompt()
    {
        using var design = SpeechSynthesizer.Load(_designDirectory, new ExecutionProviderOptions());
        using var clone = SpeechSynthesizer.Load(_baseDirectory, new ExecutionProviderOptions());
        var sampling = new SamplingOptions { MaxFramesPerTextToken = 3 };
        const string referenceText = "This is my voice.";
        var (clip, _, _) = design.Synthesize(new SynthesisRequest
        {
            Text = referenceText, Language = "english", Voice = new VoicePrompt.Designed("An old man, raspy"), Seed = 3, Sampling = sampling,
        });

        var prompt = clone.CreateClonePrompt(clip, referenceText);
        var again = clone.CreateClonePrompt(clip, referenceText);
        var request = new SynthesisRequest { Text = "A later sentence.", Language = "english", Voice = prompt, Seed = 4, Sampling = sampling };
        var (audio, codes, _) = clone.Synthesize(request);

        Assert.False(design.CanClone);
        Assert.True(clone.CanClone);
        Assert.Equal(clone.Manifest.Talker.Hidden, prompt.SpeakerEmbedding.Length);
        Assert.Equal(prompt.SpeakerEmbedding, again.SpeakerEmbedding);
        Assert.True(prompt.IsIcl);
        Assert.Equal((int)Math.Ceiling((clip.Length + 12000) / 1920.0), prompt.ReferenceFrames);
        Assert.Equal(prompt.ReferenceFrames * 16, prompt.ReferenceCodes!.Length);
        Assert.Equal(codes.Count * 1920, audio.Length);
        Assert.Equal(codes.Select(f => string.Join(",", f)), clone.GenerateCodes(request).Select(f => string.Join(",", f)));
    }

    [Fact]
    public void Cloning_with_a_voice_design_model_is_refused_clearly()
    {
        using var design = SpeechSynthesizer.Load(_designDirectory, new ExecutionProviderOptions());

        var error = Assert.Throws<InvalidOperationException>(() => design.CreateClonePrompt(new float[24000], "x"));

        Assert.Contains("cloning needs the Base model", error.Message, StringComparison.Ordinal);
    }
}
