using System.Diagnostics.Metrics;

namespace QwenTts.Routing;

/// <summary>
/// Bucket bounds for the seconds and ratio histograms the frontends export. Without them the SDK's default bounds
/// (0, 5, 10, 25, ... meant for milliseconds) put almost every first-audio time in one bucket and histogram_quantile()
/// can say nothing about a 2 s target; each alert threshold (deploy/monitoring) is one of these bounds.
/// </summary>
public static class HistogramBuckets
{
    public static readonly InstrumentAdvice<double> Seconds = new()
    {
        HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60, 120, 300],
    };

    public static readonly InstrumentAdvice<double> Ratio = new()
    {
        HistogramBucketBoundaries = [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10],
    };
}
