using System.Diagnostics;
using QwenTts.Engine.Model;
using QwenTts.LocalHosting;
using QwenTts.Miniature;
using QwenTts.Miniature.Graphs;

namespace QwenTts.TestSupport;

/// <summary>
/// Builds miniature models for tests into a private temporary folder (seconds for "tiny"), fetching the tokenizer
/// through the project's own script first when it is missing. The miniature makes noise, not speech.
/// </summary>
public static class MiniatureModels
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string TokenizerJson => Path.Combine(RepositoryLayout.Root, "models", "tokenizer", "qwen3", "tokenizer.json");

    /// <param name="precision">fp32 (default), fp16, or mixed (fp16 talker, fp32 predictor and decoder).</param>
    public static async Task<string> BuildAsync(string size = "tiny", ModelVariant variant = ModelVariant.VoiceDesign,
        string precision = "fp32", bool overflowTalker = false)
    {
        await EnsureTokenizerAsync();
        var directory = Path.Combine(Path.GetTempPath(), $"qwentts-test-model-{size}-{variant}-{precision}-{Guid.NewGuid():N}"[..64]);
        MiniatureModelBuilder.Build(new MiniatureModelBuilder.Request(MiniatureSpec.Named(size), directory, TokenizerJson, variant,
            MiniaturePrecision.Named(precision), OverflowTalker: overflowTalker));
        return directory;
    }

    public static async Task EnsureTokenizerAsync()
    {
        if (File.Exists(TokenizerJson))
        {
            return;
        }

        await Gate.WaitAsync();
        try
        {
            if (File.Exists(TokenizerJson))
            {
                return;
            }

            using var process = Process.Start(new ProcessStartInfo("bash", Path.Combine(RepositoryLayout.Root, "models", "fetch-tokenizer.sh"))
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            var output = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("models/fetch-tokenizer.sh failed: " + output);
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    public static void Delete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // a temp folder left behind does no harm
        }
    }
}
