using QwenTts.LocalHosting;
using QwenTts.Miniature;

namespace QwenTts.Benchmarks;

/// <summary>The miniature of a size under models/.build, built there first when it is missing.</summary>
public static class MiniatureLocator
{
    public static string Ensure(string size)
    {
        var directory = Path.Combine(RepositoryLayout.ModelsBuildDirectory, "miniature-" + size);
        var tokenizer = Path.Combine(RepositoryLayout.Root, "models", "tokenizer", "qwen3", "tokenizer.json");
        MiniatureModelBuilder.BuildIfMissing(new MiniatureModelBuilder.Request(MiniatureSpec.Named(size), directory, tokenizer));

        return directory;
    }
}
