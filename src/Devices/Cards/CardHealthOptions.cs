namespace QwenTts.Devices.Cards;

/// <summary>How a card's health is judged; bound from <c>Devices:Health</c>.</summary>
public sealed class CardHealthOptions
{
    public const string Section = "Devices:Health";

    /// <summary>Utterances failing in a row (errors, provider errors, timeouts) that open the circuit: the card goes unhealthy.</summary>
    public int FailuresToOpen { get; set; } = 3;

    /// <summary>Non-finite outputs within <see cref="NonFiniteWindow"/> that open the circuit (even between successes).</summary>
    public int NonFiniteToOpen { get; set; } = 3;

    public TimeSpan NonFiniteWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A card with a failure this recent is degraded (it still serves).</summary>
    public TimeSpan DegradedFor { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often an unhealthy card is probed with a short utterance; it returns when one passes.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the vendor tool (npu-smi, hy-smi) is asked about real cards; zero turns it off.</summary>
    public TimeSpan VendorPollInterval { get; set; } = TimeSpan.FromSeconds(30);
}
