using System.Net.WebSockets;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>Every way a session can end badly: its error code, the close code sent after it, and the message.</summary>
public sealed record StreamError(string Code, WebSocketCloseStatus CloseCode, string Message)
{
    public static StreamError InvalidJson(string message) => new("invalid_json", WebSocketCloseStatus.InvalidPayloadData, message);

    public static StreamError InvalidConfig(string message) => new("invalid_config", WebSocketCloseStatus.InvalidPayloadData, message);

    public static StreamError InvalidMessage(string message) => new("invalid_message", WebSocketCloseStatus.InvalidPayloadData, message);

    public static StreamError UnknownType(string? type) => new("unknown_type", WebSocketCloseStatus.PolicyViolation,
        $"unknown message type '{type}'; send session.config, input.text, input.done or session.close.");

    public static StreamError WrongOrder(string message) => new("wrong_order", WebSocketCloseStatus.PolicyViolation, message);

    public static StreamError BinaryNotAccepted() => new("binary_not_accepted", WebSocketCloseStatus.InvalidMessageType,
        "the client sends JSON text messages only.");

    public static StreamError TooBig(string message) => new("message_too_big", WebSocketCloseStatus.MessageTooBig, message);

    public static StreamError IdleTimeout(string message) => new("idle_timeout", (WebSocketCloseStatus)4408, message);

    public static StreamError QuotaExceeded(string message) => new("quota_exceeded", (WebSocketCloseStatus)4429, message);

    public static StreamError ClusterBusy(string message) => new("cluster_busy", (WebSocketCloseStatus)1013, message);

    public static StreamError SynthesisFailed(string message) => new("synthesis_failed", WebSocketCloseStatus.InternalServerError, message);
}
