using System.Net;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Outbound;

namespace QwenTts.Frontend.Jobs;

/// <summary>
/// Checks a job's callback_url when the job is made: absolute http(s), no credentials, and not an address the
/// outbound guard refuses when the host is an address literal (in any spelling the URL parser reads as one, e.g.
/// 2130706433, 0x7f.1 or [::ffff:127.0.0.1]). A host name (localhost too) is only resolved when the callback is sent,
/// by the connect-time guard: a name can change its answer, so the answer that counts is the one connected to.
/// </summary>
public sealed class CallbackUrls(IOptions<CallbackOptions> options, OutboundGuard guard)
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

        // As the guard reads a host at connect time: anything that parses as an address is that address. Names, localhost
        // included, are left to the guard, which resolves them when it connects.
        return IPAddress.TryParse(uri.DnsSafeHost, out var address) && guard.Refusal(address) is not null
            ? $"callback_url '{url}' points at a loopback, private or reserved address; this server only calls public internet addresses."
            : null;
    }
}
