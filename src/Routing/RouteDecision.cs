using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Routing;

/// <summary>
/// One routing decision, for the trace: the policy, how many cards had room, the chosen card's expected completion of
/// the request (its queued work and this request over its measured rate) and the closest runners-up's.
/// </summary>
public sealed record RouteDecision(RoutingPolicy Policy, int Candidates, double ExpectedSeconds, IReadOnlyList<CardEstimate> RunnersUp)
{
    /// <summary>Runners-up kept on the decision: enough to see how close the choice was, not the whole rack.</summary>
    public const int RunnersUpShown = 3;
}

/// <summary>How soon a card would have finished the request, in seconds from now.</summary>
public readonly record struct CardEstimate(DeviceId Device, double ExpectedSeconds);
