namespace QwenTts.Devices.Cards;

/// <summary>
/// A batching card's step time as a line in its rows, fitted (least squares) to the sizes it has measured: a step of n
/// rows takes <see cref="Fixed"/> + <see cref="PerRow"/> x n seconds a frame, and makes n frames. Reading the weights is
/// the fixed part, each row's own attention and sampling the part per row; the line predicts a size not measured yet.
/// </summary>
public sealed record StepTimes(double Fixed, double PerRow)
{
    /// <summary>The card's rate in all with <paramref name="rows"/> running, on the line.</summary>
    public double RateWith(int rows) => rows / (Fixed + (PerRow * rows));

    /// <summary>The line through the measured sizes up to <paramref name="slots"/>, or null with fewer than two measured.</summary>
    /// <remarks>
    /// A step never gets cheaper with more rows: a fitted slope below zero (noise) is taken as flat. A line that would
    /// cross zero (no fixed part) is taken through the origin: every row costs the same, a card that takes turns.
    /// </remarks>
    public static StepTimes? Fit(int slots, Func<int, double?> measured)
    {
        var points = Enumerable.Range(1, Math.Max(1, slots))
            .Select(n => (Rows: n, Rate: measured(n)))
            .Where(p => p.Rate is > 0)
            .Select(p => (X: (double)p.Rows, Y: p.Rows / p.Rate!.Value))
            .ToList();
        if (points.Count < 2)
        {
            return null;
        }

        var (meanX, meanY) = (points.Average(p => p.X), points.Average(p => p.Y));
        var slope = points.Sum(p => (p.X - meanX) * (p.Y - meanY)) / points.Sum(p => (p.X - meanX) * (p.X - meanX));
        slope = Math.Max(0, slope);
        var intercept = meanY - (slope * meanX);
        return intercept > 0
            ? new StepTimes(intercept, slope)
            : new StepTimes(0, points.Sum(p => p.X * p.Y) / points.Sum(p => p.X * p.X)); // no fixed part seen: each row costs the same
    }
}
