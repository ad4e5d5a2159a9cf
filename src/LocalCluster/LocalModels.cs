using System.Diagnostics;
using QwenTts.Engine.Model;
using QwenTts.LocalHosting;
using QwenTts.Miniature;

namespace QwenTts.LocalCluster;

/// <summary>
/// The embedded default's models: the tokenizer fetched once by models/fetch-tokenizer.sh, and the tiny miniatures
/// (VoiceDesign and Base) built by this project's own code into models/.build. They make noise, not speech.
/// </summary>
public static class LocalModels
{
    public static string VoiceDesign => Path.Combine(RepositoryLayout.ModelsBuildDirectory, "miniature-tiny");

    public static string Base => Path.Combine(RepositoryLayout.ModelsBuildDirectory, "miniature-tiny-base");

    public static async Task EnsureAsync(bool withBase, CancellationToken cancellationToken)
    {
        var tokenizer = Path.Combine(RepositoryLayout.Root, "models", "tokenizer", "qwen3", "tokenizer.json");
        if (!File.Exists(tokenizer))
        {
            using var fetch = Process.Start("bash", Path.Combine(RepositoryLayout.Root, "models", "fetch-tokenizer.sh"));
            await fetch.WaitForExitAsync(cancellationToken);
            if (fetch.ExitCode != 0)
            {
                throw new InvalidOperationException("models/fetch-tokenizer.sh failed; see its output above.");
            }
        }

        Build(VoiceDesign, ModelVariant.VoiceDesign, tokenizer);
        if (withBase)
        {
            Build(Base, ModelVariant.Base, tokenizer);
        }
    }

    private static void Build(string directory, ModelVariant variant, string tokenizer)
    {
        if (MiniatureModelBuilder.BuildIfMissing(new MiniatureModelBuilder.Request(MiniatureSpec.Tiny, directory, tokenizer, variant)))
        {
            Console.WriteLine($"Built the tiny {variant} miniature in {directory}, public-export layout (noise, not speech).");
        }
    }
}
