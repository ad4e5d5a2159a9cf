using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Auth;
using QwenTts.Frontend.Logging;
using QwenTts.Frontend.Metrics;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Quotas;
using QwenTts.Frontend.Text;
using QwenTts.Frontend.Usage;
using QwenTts.Routing;

namespace QwenTts.Frontend.Speech.Streaming;

/// <summary>
/// GET /v1/audio/speech/stream: vLLM-Omni's WebSocket text-in protocol. Authentication and the request rate are checked
/// on the handshake (401/429/503 problem+json, like POST /v1/audio/speech); everything after it is events.
/// </summary>
public static class SpeechStreamEndpoints
{
    /// <summary>The subprotocol a browser asks for beside <c>qwentts.key.&lt;api key&gt;</c> (browsers cannot set headers).</summary>
    public const string SubProtocol = "qwentts";

    public static RouteGroupBuilder MapSpeechStreamEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/audio/speech/stream", StreamSpeechAsync)
            .WithName("StreamSpeech")
            .WithSummary("Speak text as it is written (WebSocket)")
            .WithDescription("WebSocket. Client: session.config, input.text (any size), input.done, session.close. Server: audio.start, binary audio, audio.done per sentence; session.done; error then a close code. See README.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return api;
    }

    private static async Task<IResult> StreamSpeechAsync(HttpContext context, SpeechPlanner planner, OrderedSegmentRunner runner, SentenceSegmenter segmenter,
        TenantQuotas quotas, UsageRecorder usage, FrontendMetrics metrics, IOptions<StreamingOptions> options, ILoggerFactory loggers,
        IOptions<AiContentLabelOptions> labels)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return ApiProblem.BadRequest("this endpoint speaks WebSocket: connect with ws:// (or wss://) and send session.config first.").ToResult(context);
        }

        var tenant = context.Tenant();
        var rate = await quotas.AcquireRequestAsync(tenant);
        if (!rate.Allowed)
        {
            return new ApiProblem(StatusCodes.Status429TooManyRequests, "Too many requests", rate.Reason!, rate.RetryAfter).ToResult(context);
        }

        var subProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains(SubProtocol) ? SubProtocol : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol, KeepAliveInterval = TimeSpan.FromSeconds(15) });
        var session = new SpeechStreamSession(socket, tenant,
            new StreamServices(planner, runner, segmenter, quotas, usage, metrics, options.Value, loggers.CreateLogger(typeof(SpeechStreamSession).FullName!), labels.Value));
        try
        {
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            context.Features.Set(new ServedByFeature(string.Join(",", session.Devices.Distinct())));
            context.Features.Set(new RequestIdFeature(session.RequestId));
        }

        return Results.Empty;
    }
}
