using System.Net;
using System.Net.Sockets;

namespace QwenTts.Frontend.Outbound;

/// <summary>
/// The one connect-time guard of every server-side HTTP request. A URL's host is resolved here, every address it
/// resolves to is checked (<see cref="ReservedAddresses"/>), and the connection goes to exactly those addresses, so a
/// host name that resolves to 10.x, 169.254.169.254 or ::1, or changes its answer between a check and the connection,
/// never reaches a private address: the refusal comes before any packet is sent there. Handlers it makes follow no
/// redirects and use no proxy (a proxy would be the address checked, not the URL's host).
/// </summary>
public sealed partial class OutboundGuard
{
    /// <summary>Resolves a host name to its addresses (the system's DNS unless a test gives its own).</summary>
    public delegate Task<IPAddress[]> Resolver(string host, CancellationToken cancellationToken);

    /// <summary>Opens a TCP connection to one of the checked addresses.</summary>
    public delegate ValueTask<Stream> Connector(IPAddress[] addresses, int port, CancellationToken cancellationToken);

    private readonly OutboundOptions _options;
    private readonly IReadOnlyList<IPNetwork> _allowed;
    private readonly Resolver _resolve;
    private readonly Connector _connect;
    private readonly ILogger<OutboundGuard> _logger;

    public OutboundGuard(OutboundOptions options, ILogger<OutboundGuard> logger, Resolver? resolve = null, Connector? connect = null)
    {
        _options = options;
        _allowed = options.ParsedNetworks();
        _resolve = resolve ?? ((host, cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken));
        _connect = connect ?? ConnectSocketAsync;
        _logger = logger;
        if (options.AllowLoopbackForTests)
        {
            LogLoopbackAllowed();
        }
    }

    /// <summary>What the refusal says to a tenant: the same for a private address and a name that does not resolve, so that
    /// a tenant cannot map the operator's internal names through callback_status.</summary>
    public const string RefusalText = "refused: the host did not resolve to a public internet address, which is all this server calls";

    /// <summary>Null when the address may be reached; otherwise the kind of address it is.</summary>
    public string? Refusal(IPAddress address)
    {
        if (_options.AllowLoopbackForTests && ReservedAddresses.IsLoopback(address))
        {
            return null;
        }

        if (ReservedAddresses.Classify(address) is not { } kind)
        {
            return null;
        }

        var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        return _allowed.Any(n => n.Contains(plain)) ? null : kind;
    }

    /// <summary>A handler for an outbound HttpClient: connections through this guard, no redirects, no proxy.</summary>
    public SocketsHttpHandler CreateHandler() => new()
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectTimeout = _options.ConnectTimeout,
        // A pooled connection was checked when it was opened; renewing them now and then also picks up DNS changes.
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        ConnectCallback = ConnectAsync,
    };

    /// <summary>SocketsHttpHandler's connect callback: resolve, check every address, connect to the checked ones.</summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await ResolveAsync(host, cancellationToken);
        foreach (var address in addresses)
        {
            if (Refusal(address) is { } kind)
            {
                // Refused when any answer is not public: a name that mixes public and private answers is not one to trust.
                LogRefused(host, address.ToString(), kind);
                throw new OutboundRequestRefusedException(RefusalText);
            }
        }

        return await _connect(addresses, context.DnsEndPoint.Port, cancellationToken);
    }

    private async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(literal, out var address))
        {
            return [address];
        }

        IPAddress[] addresses;
        try
        {
            addresses = await _resolve(host, cancellationToken);
        }
        catch (SocketException ex)
        {
            LogUnresolved(host, ex.Message);
            throw new OutboundRequestRefusedException(RefusalText);
        }

        if (addresses.Length == 0)
        {
            LogUnresolved(host, "no addresses");
            throw new OutboundRequestRefusedException(RefusalText);
        }

        return addresses;
    }

    private static async ValueTask<Stream> ConnectSocketAsync(IPAddress[] addresses, int port, CancellationToken cancellationToken)
    {
        // A dual-mode socket where the host has IPv6, as SocketsHttpHandler makes by default.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound request to {Host} refused: it resolves to {Address}, a {Kind} address")]
    private partial void LogRefused(string host, string address, string kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound request to {Host} refused: the name did not resolve ({Reason})")]
    private partial void LogUnresolved(string host, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbound:AllowLoopbackForTests is on: outbound requests may reach this host's loopback. Never set it outside tests.")]
    private partial void LogLoopbackAllowed();
}

/// <summary>The guard refused to connect; its message is the text a tenant may see.</summary>
public sealed class OutboundRequestRefusedException(string message) : IOException(message);
