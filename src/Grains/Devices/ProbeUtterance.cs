using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Grains.Devices;

/// <summary>The short utterance an unhealthy card must speak to return to rotation (a few frames, fixed seed).</summary>
internal static class ProbeUtterance
{
    public static SynthesisJob Job(DeviceId device) => new()
    {
        RequestId = $"probe:{device.Key}:{Guid.NewGuid():N}",
        Tenant = "",
        Text = "Probe.",
        Language = "english",
        Voice = VoiceSpec.Designed("A neutral, clear voice."),
        Seed = 1,
        Sampling = new SamplingSpec { MaxNewTokens = 12 },
    };
}
