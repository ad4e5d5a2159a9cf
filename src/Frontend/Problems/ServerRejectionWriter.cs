using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;

namespace QwenTts.Frontend.Problems;

/// <summary>
/// A connection's output that passes everything through, except Kestrel's own bodiless rejection of a request it could
/// not parse (status line, <c>Content-Length: 0</c>, no content type): that one gets a problem+json body. The app's
/// answers always carry a content type, so they never match.
/// </summary>
public sealed class ServerRejectionWriter(PipeWriter inner) : PipeWriter
{
    private static readonly byte[] StatusPrefix = "HTTP/1.1 "u8.ToArray();
    private Memory<byte> _lent;

    public override Memory<byte> GetMemory(int sizeHint = 0) => _lent = inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;

    public override void Advance(int bytes)
    {
        if (bytes > StatusPrefix.Length && _lent.Length >= bytes && Rewrite(_lent.Span[..bytes]) is { } problem)
        {
            inner.Write(problem);
            return;
        }

        inner.Advance(bytes);
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => inner.FlushAsync(cancellationToken);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes;

    /// <summary>The rejection with a problem body, or null when <paramref name="written"/> is anything else.</summary>
    private static byte[]? Rewrite(ReadOnlySpan<byte> written)
    {
        if (!written.StartsWith(StatusPrefix) || written[StatusPrefix.Length] is not ((byte)'4' or (byte)'5'))
        {
            return null;
        }

        var end = written.IndexOf("\r\n\r\n"u8);
        if (end < 0 || end + 4 != written.Length)
        {
            return null;
        }

        var lines = Encoding.ASCII.GetString(written[..end]).Split("\r\n");
        var headers = lines.Skip(1).ToList();
        if (!headers.Contains("Content-Length: 0", StringComparer.OrdinalIgnoreCase)
            || headers.Any(h => h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var statusLine = lines[0];
        var status = int.Parse(statusLine.AsSpan(StatusPrefix.Length, 3), System.Globalization.CultureInfo.InvariantCulture);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["title"] = statusLine[(StatusPrefix.Length + 4)..],
            ["status"] = status,
            ["detail"] = Detail(status),
        });
        var head = new StringBuilder(statusLine).Append("\r\nContent-Type: application/problem+json\r\nContent-Length: ").Append(body.Length).Append("\r\n");
        foreach (var header in headers.Where(h => !h.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)))
        {
            head.Append(header).Append("\r\n");
        }

        return [.. Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), .. body];
    }

    private static string Detail(int status) => status switch
    {
        400 => "The server refused the request before it reached the API: the request line or a header is malformed " +
               "(for example an encoded NUL, %00, in the path, or a character a URL may not hold). Fix the URL or the headers.",
        408 => "The request did not arrive in time; send it again.",
        413 => "The request body is too large.",
        414 => "The URL is too long.",
        431 => "The request headers are too large.",
        _ => "The server refused the request before it reached the API.",
    };
}
