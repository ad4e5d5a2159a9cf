namespace QwenTts.Devices.Cards;

/// <summary>The injected fault of an emulated card (see <see cref="CardSpec.FaultFile"/>).</summary>
public sealed class EmulatedCardFaultException(string message) : Exception(message);
