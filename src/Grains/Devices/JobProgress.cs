namespace QwenTts.Grains.Devices;

/// <summary>One admitted utterance on a card: its estimated size and how much of it is done.</summary>
internal sealed class JobProgress(double expectedFrames)
{
    public double ExpectedFrames { get; } = expectedFrames;

    public int ProducedFrames { get; set; }

    public bool Started { get; set; }

    /// <summary>Frames still to come; an utterance running past its estimate still counts one frame.</summary>
    public double RemainingFrames => Math.Max(ProducedFrames > ExpectedFrames ? 1 : 0, ExpectedFrames - ProducedFrames);
}
