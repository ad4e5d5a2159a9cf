using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>Exports in fp16: float inputs, outputs and the KV cache are half precision at the graph boundary.</summary>
public sealed class HalfPrecisionTests
{
    [Fact]
    public async Task An_fp16_model_synthesises_and_reproduces_its_codes()
    {
        var directory = await MiniatureModels.BuildAsync("tiny", dtype: TensorFloatType.Float16);
        try
        {
            using var synthesizer = SpeechSynthesizer.Load(directory, new ExecutionProviderOptions());
            var request = new SynthesisRequest
            {
                Text = "Half precision.",
                Language = "english",
                Voice = new VoicePrompt.Designed("A bright voice"),
                Seed = 11,
                Sampling = new SamplingOptions { MaxFramesPerTextToken = 3 },
            };

            var (audio, codes, _) = synthesizer.Synthesize(request);
            var again = synthesizer.GenerateCodes(request);

            Assert.Equal(TensorFloatType.Float16, synthesizer.Manifest.Dtype);
            Assert.Equal(codes.Count * 1920, audio.Length);
            Assert.Equal(codes.Select(f => string.Join(",", f)), again.Select(f => string.Join(",", f)));
            Assert.All(audio, s => Assert.False(float.IsNaN(s)));
        }
        finally
        {
            MiniatureModels.Delete(directory);
        }
    }
}
