using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace QwenTts.Frontend.FunctionalTests;

/// <summary>A test client of /v1/audio/speech/stream: sends JSON messages, collects every event and audio frame in order.</summary>
internal sealed class StreamClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;

    private StreamClient(ClientWebSocket socket) => _socket = socket;

    public ClientWebSocket Socket => _socket;

    /// <summary>Everything received, in order: JSON events as parsed elements, binary frames as byte counts.</summary>
    public List<(JsonElement? Event, int Bytes, TimeSpan At)> Received { get; } = [];

    public static async Task<StreamClient> ConnectAsync(Uri frontend, string? key, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (key is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + key);
        }

        configure?.Invoke(socket.Options);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri(new Uri(frontend.ToString().Replace("http://", "ws://")), "/v1/audio/speech/stream"), timeout.Token);
        return new StreamClient(socket);
    }

    public Task SendAsync(object message) => SendRawAsync(JsonSerializer.Serialize(message));

    public async Task SendRawAsync(string text)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    /// <summary>Reads until the server closes (or <paramref name="limit"/> passes, which fails the test).</summary>
    public async Task<WebSocketCloseStatus?> ReadToCloseAsync(TimeSpan limit, Func<JsonElement, bool>? stopWhen = null)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(limit);
        var buffer = new byte[64 * 1024];
        for (var messages = 0; messages < 100_000; messages++)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await _socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                if (_socket.State == WebSocketState.CloseReceived)
                {
                    await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", timeout.Token);
                }

                return result.CloseStatus;
            }

            if (result.MessageType == WebSocketMessageType.Binary)
            {
                Received.Add((null, (int)message.Length, watch.Elapsed));
                continue;
            }

            var json = JsonDocument.Parse(message.ToArray()).RootElement.Clone();
            Received.Add((json, 0, watch.Elapsed));
            if (stopWhen?.Invoke(json) == true)
            {
                return null;
            }
        }

        throw new InvalidOperationException("too many messages");
    }

    public IEnumerable<JsonElement> Events(string type) =>
        Received.Where(r => r.Event is { } e && e.GetProperty("type").GetString() == type).Select(r => r.Event!.Value);

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        await Task.CompletedTask;
    }
}
