namespace QwenTts.Frontend.Outbound;

/// <summary>
/// An outbound request's failure in our own words. A network's error text (what an address answered, a resolver's
/// message, a TLS library's reason) never reaches a tenant: it could describe hosts the tenant must not probe.
/// </summary>
public static class OutboundFailure
{
    public static string Describe(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is OutboundRequestRefusedException refused)
            {
                return refused.Message;
            }
        }

        return exception switch
        {
            OperationCanceledException or TimeoutException => "no answer in time",
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError } => "could not connect",
            HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError } => "the TLS handshake failed",
            HttpRequestException { HttpRequestError: HttpRequestError.HttpProtocolError or HttpRequestError.InvalidResponse or HttpRequestError.ResponseEnded }
                => "the answer was not valid HTTP",
            _ => "the request failed",
        };
    }

    /// <summary>A non-2xx answer: its status, and for a redirect that it was not followed.</summary>
    public static string Status(System.Net.HttpStatusCode status) => (int)status is >= 300 and < 400
        ? $"HTTP {(int)status} (redirects are not followed)"
        : $"HTTP {(int)status}";
}
