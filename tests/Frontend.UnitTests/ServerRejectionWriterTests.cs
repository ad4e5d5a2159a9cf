using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using QwenTts.Frontend.Problems;

namespace QwenTts.Frontend.UnitTests;

/// <summary>Kestrel's bodiless rejections get a problem body; every other byte passes through unchanged.</summary>
public sealed class ServerRejectionWriterTests
{
    [Fact]
    public async Task A_bodiless_rejection_becomes_problem_json_with_a_matching_content_length()
    {
        var written = await ThroughWriterAsync(
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: Fri, 27 Nov 2026 22:00:00 GMT\r\nServer: Kestrel\r\n\r\n");

        var (head, body) = Split(written);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nContent-Type: application/problem+json\r\n", head, StringComparison.Ordinal);
        Assert.Contains($"\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", head, StringComparison.Ordinal);
        Assert.Contains("\r\nServer: Kestrel", head, StringComparison.Ordinal);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(400, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Contains("%00", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HTTP/1.1 404 Not Found\r\nContent-Type: application/problem+json\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\n\r\n")]
    [InlineData("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n{\"not\":\"end\"}")]
    [InlineData("data: HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")]
    public async Task Everything_else_passes_through_byte_for_byte(string response)
    {
        Assert.Equal(response, await ThroughWriterAsync(response));
    }

    private static async Task<string> ThroughWriterAsync(string response)
    {
        var pipe = new Pipe();
        var writer = new ServerRejectionWriter(pipe.Writer);
        var bytes = Encoding.ASCII.GetBytes(response);
        bytes.CopyTo(writer.GetSpan(bytes.Length));
        writer.Advance(bytes.Length);
        await writer.FlushAsync();
        await writer.CompleteAsync();
        var result = await pipe.Reader.ReadAsync();
        while (!result.IsCompleted)
        {
            pipe.Reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await pipe.Reader.ReadAsync();
        }

        return Encoding.UTF8.GetString(result.Buffer.ToArray());
    }

    private static (string Head, string Body) Split(string response)
    {
        var end = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (response[..(end + 2)], response[(end + 4)..]);
    }
}
