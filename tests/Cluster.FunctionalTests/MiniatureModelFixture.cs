using QwenTts.Engine.Model;
using QwenTts.TestSupport;

namespace QwenTts.Cluster.FunctionalTests;

/// <summary>The tiny miniature (and its Base variant), built once for the assembly. Noise, not speech.</summary>
public sealed class MiniatureModelFixture : IAsyncLifetime
{
    public string VoiceDesign { get; private set; } = "";

    public string Base { get; private set; } = "";

    public async Task InitializeAsync()
    {
        VoiceDesign = await MiniatureModels.BuildAsync("tiny");
        Base = await MiniatureModels.BuildAsync("tiny", ModelVariant.Base);
    }

    public Task DisposeAsync()
    {
        MiniatureModels.Delete(VoiceDesign);
        MiniatureModels.Delete(Base);
        return Task.CompletedTask;
    }
}
