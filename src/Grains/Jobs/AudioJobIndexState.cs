namespace QwenTts.Grains.Jobs;

[GenerateSerializer]
public sealed class AudioJobIndexState
{
    [Id(0)] public HashSet<string> Jobs { get; set; } = [];
}
