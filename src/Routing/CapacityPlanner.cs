namespace QwenTts.Routing;

/// <summary>
/// How many cards of a kind serve a traffic profile within a p99 latency target. A card running
/// <see cref="Profile.Concurrency"/> utterances at once delivers its measured frames/s shared between them, so it is
/// modelled as that many servers each of rate framesPerSecond / concurrency; arrivals are Poisson and requests wait in
/// one queue (what least-expected-completion routing approximates), so waiting follows M/M/N (Erlang C). p99 latency =
/// p99 service time (the request's frames at a server's rate, times the length spread) + p99 wait. A planning model,
/// not a promise: check it against the routing benchmark and the cluster's own metrics.
/// </summary>
public static class CapacityPlanner
{
    /// <param name="RequestsPerSecond">Offered load.</param>
    /// <param name="CharactersPerRequest">Mean text length.</param>
    /// <param name="P99Seconds">Target: arrival to last audio for 99 % of requests.</param>
    /// <param name="FramesPerCharacter">Audio frames a character of text becomes (0.85 for English speech at 12.5 frames/s; learn it from qwentts_speech metrics).</param>
    /// <param name="Concurrency">Utterances a card runs at once.</param>
    /// <param name="LengthSpread">p99 request length over the mean (the model decides when to stop: 1.3 by default).</param>
    public sealed record Profile(double RequestsPerSecond, double CharactersPerRequest, double P99Seconds,
        double FramesPerCharacter = 0.85, int Concurrency = 4, double LengthSpread = 1.3);

    /// <param name="Cards">Cards needed, or null when no count meets the target (a request alone takes too long).</param>
    public sealed record Plan(string Kind, double FramesPerSecondPerCard, double RequestsPerSecondPerCard, int? Cards,
        double Utilisation, double PredictedP99Seconds, string? Why);

    public static Plan For(string kind, double framesPerSecondPerCard, Profile profile)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(framesPerSecondPerCard);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(profile.RequestsPerSecond);
        var frames = profile.CharactersPerRequest * profile.FramesPerCharacter;
        var serverRate = framesPerSecondPerCard / profile.Concurrency / frames; // requests/s of one slot
        var serviceP99 = frames * profile.LengthSpread / (framesPerSecondPerCard / profile.Concurrency);
        var perCard = framesPerSecondPerCard / frames;
        if (serviceP99 > profile.P99Seconds)
        {
            return new Plan(kind, framesPerSecondPerCard, perCard, null, 0, serviceP99,
                $"one request alone takes {serviceP99:F2} s at p99 with {profile.Concurrency} running per card: run fewer at once or use faster cards");
        }

        var offered = profile.RequestsPerSecond / serverRate; // Erlang load in slots
        for (var cards = Math.Max(1, (int)Math.Ceiling(offered / profile.Concurrency)); cards <= 100_000; cards++)
        {
            var servers = cards * profile.Concurrency;
            if (offered >= servers)
            {
                continue;
            }

            var waitP99 = WaitQuantile(servers, offered, serverRate, 0.99);
            if (serviceP99 + waitP99 <= profile.P99Seconds)
            {
                return new Plan(kind, framesPerSecondPerCard, perCard, cards, offered / servers, serviceP99 + waitP99, null);
            }
        }

        return new Plan(kind, framesPerSecondPerCard, perCard, null, 0, double.PositiveInfinity, "more than 100,000 cards");
    }

    /// <summary>The wait t with P(W > t) = 1 - q in an M/M/N queue: Erlang C times exp(-(N mu - lambda) t).</summary>
    public static double WaitQuantile(int servers, double offered, double serverRate, double q)
    {
        var delayed = ErlangC(servers, offered);
        var tail = 1 - q;
        return delayed <= tail ? 0 : Math.Log(delayed / tail) / ((servers * serverRate) - (offered * serverRate));
    }

    /// <summary>Probability that an arrival waits, for N servers and offered load a (Erlangs), from Erlang B's stable recursion.</summary>
    public static double ErlangC(int servers, double offered)
    {
        var b = 1.0;
        for (var k = 1; k <= servers; k++)
        {
            b = offered * b / (k + (offered * b));
        }

        return servers * b / (servers - (offered * (1 - b)));
    }
}
