using QwenTts.Grains.Interfaces.Voices;

namespace QwenTts.Grains.Voices;

[GenerateSerializer]
public sealed class VoiceProfileState
{
    [Id(0)]
    public VoiceProfile? Profile { get; set; }
}
