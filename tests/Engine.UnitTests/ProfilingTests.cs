using System.Text.RegularExpressions;
using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Prompt;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.UnitTests;

[Collection(MiniatureCollection.Name)]
public sealed class ProfilingTests(MiniatureFixture miniature)
{
    [Fact]
    public void A_profile_directory_gets_one_onnx_runtime_profile_per_graph_with_its_runs_and_node_placement()
    {
        var profiles = Directory.CreateTempSubdirectory("qwentts-profile-").FullName;
        try
        {
            using (var synthesizer = SpeechSynthesizer.Load(miniature.Directory, new ExecutionProviderOptions { ProfileDirectory = profiles }))
            {
                synthesizer.Synthesize(new SynthesisRequest
                {
                    Text = "Profile me.",
                    Language = "english",
                    Voice = new VoicePrompt.Designed("A calm voice"),
                    Seed = 5,
                    Sampling = new SamplingOptions { MaxNewTokens = 6 },
                });
            }

            var text = File.ReadAllText(Path.Combine(profiles, Assert.Single(ProfilesOf(profiles, GraphNames.TalkerDecode))));
            Assert.Contains("\"model_run\"", text, StringComparison.Ordinal);
            Assert.Contains("CPUExecutionProvider", text, StringComparison.Ordinal);
            foreach (var graph in new[] { GraphNames.TalkerPrefill, GraphNames.CodePredictor, GraphNames.CodecDecodeChunk })
            {
                Assert.Single(ProfilesOf(profiles, graph));
            }
        }
        finally
        {
            Directory.Delete(profiles, recursive: true);
        }
    }

    /// <summary>Profile files of one graph: its name, then ONNX Runtime's timestamp (code_predictor is not code_predictor_embed).</summary>
    private static IEnumerable<string> ProfilesOf(string directory, string graph) =>
        Directory.GetFiles(directory, "*.json").Select(Path.GetFileName).OfType<string>()
            .Where(name => Regex.IsMatch(name, "^" + Regex.Escape(graph) + @"_\d{4}-\d{2}-\d{2}_"));
}
