using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Threading.Channels;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>One thing the client did: a whole text message, a binary one, one over the size limit, or closing.</summary>
public sealed record Inbound(InboundKind Kind, string Text = "", int Bytes = 0);

public enum InboundKind
{
    Text,
    Binary,
    TooBig,
    Closed,
}

/// <summary>
/// Reads the socket in the background and queues whole messages, so the session can wait for the next one with a
/// timeout (cancelling a WebSocket read would abort the socket, and leave no way to send the error).
/// </summary>
public sealed class StreamInbox
{
    private readonly Channel<Inbound> _messages = Channel.CreateBounded<Inbound>(new BoundedChannelOptions(64) { SingleReader = true, SingleWriter = true });

    public ChannelReader<Inbound> Messages => _messages.Reader;

    public async Task PumpAsync(WebSocket socket, int maxBytes, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            while (true)
            {
                var length = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), cancellationToken);
                    length += result.Count;
                    if (length > maxBytes)
                    {
                        await _messages.Writer.WriteAsync(new Inbound(InboundKind.TooBig, Bytes: length), cancellationToken);
                        return;
                    }
                }
                while (!result.EndOfMessage && result.MessageType != WebSocketMessageType.Close);

                var message = result.MessageType switch
                {
                    WebSocketMessageType.Close => new Inbound(InboundKind.Closed),
                    WebSocketMessageType.Binary => new Inbound(InboundKind.Binary, Bytes: length),
                    _ => new Inbound(InboundKind.Text, Encoding.UTF8.GetString(buffer, 0, length), length),
                };
                await _messages.Writer.WriteAsync(message, cancellationToken);
                if (message.Kind is InboundKind.Closed or InboundKind.Binary)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            // The client vanished (or the session is over): the same as closing.
            _messages.Writer.TryWrite(new Inbound(InboundKind.Closed));
        }
        finally
        {
            _messages.Writer.TryComplete();
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
