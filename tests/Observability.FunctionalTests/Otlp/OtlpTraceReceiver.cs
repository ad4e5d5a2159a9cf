using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenTts.Observability.FunctionalTests.Otlp;

/// <summary>
/// An OTLP/HTTP trace receiver on 127.0.0.1: accepts POST /v1/traces (application/x-protobuf), as a collector does,
/// and keeps every span it decodes. <see cref="Refuse"/> makes it answer 400, a non-retryable refusal, to see the
/// exporters' failures.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpTraceReceiver(WebApplication app) => _app = app;

    /// <summary>The base address to give as OTEL_EXPORTER_OTLP_ENDPOINT.</summary>
    public Uri Endpoint { get; private set; } = null!;

    public volatile bool Refuse;

    /// <summary>Export requests received (including refused ones).</summary>
    public int Requests => _requests;

    private int _requests;

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public IReadOnlyList<ReceivedSpan> Trace(string traceId) => [.. _spans.Where(s => s.TraceId == traceId)];

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpTraceReceiver(app);
        app.MapPost("/v1/traces", async context =>
        {
            Interlocked.Increment(ref receiver._requests);
            if (context.Request.ContentType != "application/x-protobuf")
            {
                context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
                return;
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            if (receiver.Refuse)
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                return;
            }

            foreach (var span in OtlpTraceDecoder.Decode(body.ToArray()))
            {
                receiver._spans.Enqueue(span);
            }

            // An empty ExportTraceServiceResponse: full success.
            context.Response.ContentType = "application/x-protobuf";
            context.Response.StatusCode = StatusCodes.Status200OK;
        });
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Urls.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
