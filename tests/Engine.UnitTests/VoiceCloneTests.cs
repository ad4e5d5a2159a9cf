using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.TestSupport;
using Xunit.Abstractions;

namespace QwenTts.Engine.UnitTests;

/// <summary>The design-then-clone workflow on miniatures: design a clip, clone it with the Base model, speak with it.</summary>
public sealed class VoiceCloneTests(ITestOutputHelper output) : IAsyncLifetime
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

    /// <summary>
    /// What the consent check rests on, on the miniature: the speaker encoder embeds one recording identically every
    /// time (cosine 1), and a recording of another kind (a buzzing square wave against a voiced tone) well below that.
    /// Random weights put every pair of recordings between about 0.5 and 1 (noise: 0.86, the square wave: 0.60), so this
    /// proves the comparison's mechanics, not that the real encoder tells speakers apart.
    /// </summary>
    [Fact]
    public void The_speaker_encoder_embeds_a_recording_the_same_every_time_and_unlike_a_different_one()
    {
        using var clone = SpeechSynthesizer.Load(_baseDirectory, new ExecutionProviderOptions());
        using var design = SpeechSynthesizer.Load(_designDirectory, new ExecutionProviderOptions());
        var tone = Tone(2);
        var square = Square(2);

        var first = clone.SpeakerEmbedding(tone);
        var again = clone.SpeakerEmbedding(tone);
        var other = clone.SpeakerEmbedding(square);
        var same = Cosine(first, again);
        var different = Cosine(first, other);
        output.WriteLine($"cosine(tone, tone) = {same:F4}; cosine(tone, square wave) = {different:F4}");

        Assert.Equal(first, again);
        Assert.Equal(1.0, same, 6);
        Assert.InRange(different, -1.0, 0.75);
        Assert.Throws<InvalidOperationException>(() => design.SpeakerEmbedding(tone));
    }

    private static float[] Tone(double seconds)
    {
        var samples = new float[(int)(24_000 * seconds)];
        for (var i = 0; i < samples.Length; i++)
        {
            var t = i / 24_000.0;
            var envelope = 0.5 + 0.5 * Math.Sin(2 * Math.PI * 4 * t);
            samples[i] = (float)(0.3 * envelope * (Math.Sin(2 * Math.PI * 140 * t) + 0.5 * Math.Sin(2 * Math.PI * 280 * t) + 0.25 * Math.Sin(2 * Math.PI * 560 * t)));
        }

        return samples;
    }

    private static float[] Square(double seconds) =>
        [.. Enumerable.Range(0, (int)(24_000 * seconds)).Select(i => (float)(0.5 * Math.Sign(Math.Sin(2 * Math.PI * 500 * i / 24_000.0))))];

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
