using System.Diagnostics;
using QwenTts.Frontend.Auth;

namespace QwenTts.Frontend.Logging;

/// <summary>The cards that served a request, set by the endpoint that used them, for the request's log line.</summary>
public sealed record ServedByFeature(string Cards);

/// <summary>
/// The id a caller is given for a request (X-Request-Id, usage, session.done, a job's id), set by the endpoint that made
/// it, for the request's log line and its trace.
/// </summary>
public sealed record RequestIdFeature(string Id);

/// <summary>
/// One log line per request (method, path, status, time, tenant, cards, request id, trace id), written when it ends, in
/// place of the framework's several; the same tenant and request id go on the request's span, so an operator gets from a
/// caller's request id to its trace in one search. Health, readiness and metrics polls log at Debug, so probes do not
/// flood the console. A path that carries a secret (an audio link's token) is logged as its route (<see cref="LoggedPath"/>).
/// </summary>
public static partial class RequestLogging
{
    public const string Category = "QwenTts.Frontend.Requests";

    /// <summary>ASP.NET Core's request scope and request-start lines carry the raw path (tokens included): off, replaced by ours.</summary>
    public const string HostingCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static WebApplication UseRequestLogging(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            // Routing has chosen the endpoint already (it runs before the app's own middleware), so the path can be the route.
            var path = LoggedPath.Of(context);
            using var scope = logger.BeginScope(new RequestLogScope(path, context.TraceIdentifier));
            try
            {
                await next(context);
            }
            finally
            {
                var tenant = context.Features.Get<TenantFeature>()?.Tenant.Id ?? "-";
                var cards = context.Features.Get<ServedByFeature>()?.Cards is { Length: > 0 } served ? served : "-";
                var status = context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted ? 499 : context.Response.StatusCode;
                var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                var requestId = context.Features.Get<RequestIdFeature>()?.Id;
                // The request's span is current here (ASP.NET Core's activity, exported when tracing is on).
                var span = Activity.Current;
                if (span is not null && tenant != "-")
                {
                    span.SetTag("qwentts.tenant", tenant);
                }

                if (span is not null && requestId is not null)
                {
                    span.SetTag("qwentts.request_id", requestId);
                }

                if (IsProbe(path))
                {
                    LogProbe(logger, context.Request.Method, path, status, milliseconds);
                }
                else
                {
                    LogRequest(logger, context.Request.Method, path, status, milliseconds, tenant, cards, requestId ?? "-",
                        span?.TraceId.ToHexString() ?? "-");
                }
            }
        });
        return app;
    }

    private static bool IsProbe(string path) => path is "/healthz" or "/readyz" or "/metrics";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {Status} {Milliseconds:F0} ms tenant={Tenant} cards={Cards} request={Request} trace={TraceId}")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double milliseconds, string tenant, string cards,
        string request, string traceId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} {Status} {Milliseconds:F0} ms")]
    private static partial void LogProbe(ILogger logger, string method, string path, int status, double milliseconds);
}
