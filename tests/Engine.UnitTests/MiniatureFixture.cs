using QwenTts.Engine.Model;
using QwenTts.Engine.Pipeline;
using QwenTts.Engine.Runtime;
using QwenTts.TestSupport;

namespace QwenTts.Engine.UnitTests;

/// <summary>The tiny miniature, built once for the assembly, loaded on the CPU provider.</summary>
public sealed class MiniatureFixture : IAsyncLifetime
{
    private string? _directory;
    private SpeechSynthesizer? _synthesizer;

    public string Directory => _directory ?? throw new InvalidOperationException("not built");

    public SpeechSynthesizer Synthesizer => _synthesizer ?? throw new InvalidOperationException("not loaded");

    public ModelManifest Manifest => Synthesizer.Manifest;

    public async Task InitializeAsync()
    {
        _directory = await MiniatureModels.BuildAsync("tiny");
        _synthesizer = SpeechSynthesizer.Load(_directory, new ExecutionProviderOptions { IntraOpThreads = 1 });
    }

    public Task DisposeAsync()
    {
        _synthesizer?.Dispose();
        if (_directory is not null)
        {
            MiniatureModels.Delete(_directory);
        }

        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class MiniatureCollection : ICollectionFixture<MiniatureFixture>
{
    public const string Name = "miniature";
}
