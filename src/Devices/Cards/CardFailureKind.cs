namespace QwenTts.Devices.Cards;

/// <summary>What went wrong in one utterance on a card (each counts toward its health).</summary>
public enum CardFailureKind
{
    Error,
    NonFinite,
    Provider,
    Timeout,
}
