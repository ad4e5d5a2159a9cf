using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace QwenTts.Frontend.Jobs;

/// <summary>Checks a job's callback_url: absolute http(s), and not a loopback or private address unless the operator allows it.</summary>
public sealed class CallbackUrls(IOptions<CallbackOptions> options)
{
    /// <summary>Null when the URL is acceptable, otherwise what is wrong with it.</summary>
    public string? Check(string url)
    {
        if (string.IsNullOrEmpty(options.Value.SigningKey))
        {
            return "callback_url is not available on this server (the operator has not set Jobs:Callbacks:SigningKey); poll GET /v1/audio/jobs/{id} instead.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return $"callback_url '{url}' must be an absolute http or https URL without credentials.";
        }

        if (url.Length > 2048)
        {
            return "callback_url is longer than 2048 characters.";
        }

        if (!options.Value.AllowPrivateNetworks && IsPrivate(uri))
        {
            return $"callback_url '{url}' points at a loopback or private address, which this server does not call.";
        }

        return null;
    }

    private static bool IsPrivate(Uri uri)
    {
        if (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!IPAddress.TryParse(uri.IdnHost, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal || IPAddress.IsLoopback(address);
        }

        var b = address.GetAddressBytes();
        return b[0] is 10 or 127 or 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254);
    }
}
