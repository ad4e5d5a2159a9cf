using System.Net.WebSockets;
using System.Text.Json;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>
/// A session's writes to its WebSocket, one at a time (events, audio frames, the close), counting the audio that went
/// out. The last event and the close frame go once. It holds the session's stop signal too: the session's work is
/// stopped only between frames, since cancelling a WebSocket send aborts the whole socket.
/// </summary>
internal sealed class StreamSocketWriter(WebSocket socket)
{
    private readonly SemaphoreSlim _send = new(1, 1);
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Cancelled when the session's work is to stop (its last event, or the session's end).</summary>
    public CancellationToken Stopped => _stop.Token;

    public Task StopAsync() => _stop.CancelAsync();

    /// <summary>The close frame went out (the client may still answer it).</summary>
    public bool Closed { get; private set; }

    /// <summary>Bytes of audio frames sent.</summary>
    public long Bytes { get; private set; }

    /// <summary>Samples accounted for: those of the frames sent, and those of sentences whose empty frames were skipped.</summary>
    public long Samples { get; private set; }

    public Task SendJsonAsync<T>(T payload, CancellationToken cancellationToken) => SendJsonAsync(() => payload, cancellationToken);

    /// <summary>An event built under the send lock: after every frame already sent, before any other.</summary>
    public async Task SendJsonAsync<T>(Func<T> payload, CancellationToken cancellationToken)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(payload(), StreamJson.Options), WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>A frame of <paramref name="sentence"/> holding <paramref name="samples"/> samples; not sent once the sentence is cancelled (checked under the send lock).</summary>
    /// <param name="samples">The sentence's own samples in <paramref name="bytes"/>.</param>
    /// <param name="sessionSamples">Samples in <paramref name="bytes"/> that belong to no sentence's times (the AI notice).</param>
    public async Task<int> SendBinaryAsync(byte[] bytes, CancellationToken cancellationToken, StreamSentence sentence, int samples = 0, int sessionSamples = 0)
    {
        await _send.WaitAsync(cancellationToken);
        try
        {
            if (sentence.Dropped)
            {
                return 0;
            }

            Samples += samples + sessionSamples;
            sentence.SentSamples += samples;
            if (bytes.Length == 0)
            {
                return 0;
            }

            await socket.SendAsync(bytes, WebSocketMessageType.Binary, true, cancellationToken);
            Bytes += bytes.Length;
            return bytes.Length;
        }
        finally
        {
            _send.Release();
        }
    }

    /// <summary>
    /// Stops the session's work, then one last event and the close frame; once per session, and quietly if the client
    /// is already gone.
    /// </summary>
    public async Task SendLastAsync<T>(T payload, WebSocketCloseStatus status, string description)
    {
        await _send.WaitAsync();
        try
        {
            // Stopped only once no audio frame is being sent.
            await _stop.CancelAsync();
            if (!Closed && socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(payload, StreamJson.Options), WebSocketMessageType.Text, true, CancellationToken.None);
                await socket.CloseOutputAsync(status, description, CancellationToken.None);
                Closed = true;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
        }
        finally
        {
            _send.Release();
        }
    }

    public async Task CloseAsync(WebSocketCloseStatus status, string description)
    {
        await _send.WaitAsync();
        try
        {
            if (!Closed)
            {
                await socket.CloseOutputAsync(status, description, CancellationToken.None);
                Closed = true;
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException)
        {
        }
        finally
        {
            _send.Release();
        }
    }
}
