namespace QwenTts.Routing;

/// <summary>
/// The router's guess of a request's size in frames, from its text: characters times a ratio learned from the
/// frames completed requests really took (CJK characters count as three, being about a syllable each).
/// </summary>
public sealed class FrameEstimator(double initialFramesPerCharacter)
{
    private double _framesPerCharacter = initialFramesPerCharacter;

    public double Estimate(string text) => Math.Max(1, Weight(text) * Volatile.Read(ref _framesPerCharacter));

    public void Learn(string text, int frames)
    {
        var weight = Weight(text);
        if (weight <= 0 || frames <= 0)
        {
            return;
        }

        double current, next;
        do
        {
            current = Volatile.Read(ref _framesPerCharacter);
            next = (0.9 * current) + (0.1 * (frames / weight));
        }
        while (Interlocked.CompareExchange(ref _framesPerCharacter, next, current) != current);
    }

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
