using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Routing;

/// <summary>
/// The router's guess of a request's size in frames, from its text: a line in its characters (CJK characters count as
/// three, being about a syllable each) fitted to the frames completed requests really took (<see cref="UtteranceLengthModel"/>).
/// </summary>
public sealed class FrameEstimator(double initialFramesPerCharacter)
{
    private readonly UtteranceLengthModel _model = new(initialFramesPerCharacter);

    public double Estimate(string text) => _model.Estimate(Weight(text));

    public void Learn(string text, int frames) => _model.Learn(Weight(text), frames);

    private static double Weight(string text)
    {
        double weight = 0;
        foreach (var ch in text)
        {
            weight += ch >= 0x2E80 && ch <= 0xD7AF ? 3 : char.IsWhiteSpace(ch) ? 0.5 : 1;
        }

        return weight;
    }
}
