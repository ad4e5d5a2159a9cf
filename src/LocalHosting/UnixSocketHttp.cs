using System.Net.Sockets;

namespace QwenTts.LocalHosting;

/// <summary>HTTP to a server that listens on a Unix domain socket (Kestrel's <c>--urls=http://unix:PATH</c>).</summary>
public static class UnixSocketHttp
{
    /// <summary>The base address to use with <see cref="Handler"/>: the host name is only the Host header.</summary>
    public static readonly Uri BaseAddress = new("http://localhost");

    public static SocketsHttpHandler Handler(string socketPath) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
