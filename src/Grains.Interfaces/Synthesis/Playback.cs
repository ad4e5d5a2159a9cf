namespace QwenTts.Grains.Interfaces.Synthesis;

/// <summary>How a listener plays a stream, as the cards (sizing their batches) and the routers (watching streams) assume it.</summary>
public static class Playback
{
    /// <summary>Qwen3-TTS-12Hz: a listener plays 12.5 codec frames a second.</summary>
    public const double FramesPerSecond = 12.5;

    /// <summary>
    /// The audio a listener is taken to hold before it starts playing (a player's jitter buffer): the default of both
    /// <c>Devices:AssumedPlayerBuffer</c> and <c>Routing:AssumedPlayerBuffer</c>, which must agree.
    /// </summary>
    public static readonly TimeSpan DefaultPlayerBuffer = TimeSpan.FromSeconds(1);
}
