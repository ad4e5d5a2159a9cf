using System.Diagnostics;
using QwenTts.Frontend.Auth;

namespace QwenTts.Frontend.Logging;

/// <summary>The cards that served a request, set by the endpoint that used them, for the request's log line.</summary>
public sealed record ServedByFeature(string Cards);

/// <summary>
/// One log line per request (method, path, status, time, tenant, cards), written when it ends, in place of the
/// framework's several. Health, readiness and metrics polls log at Debug, so probes do not flood the console. A path that
/// carries a secret (an audio link's token) is logged as its route (<see cref="LoggedPath"/>).
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
                if (IsProbe(path))
                {
                    LogProbe(logger, context.Request.Method, path, status, milliseconds);
                }
                else
                {
                    LogRequest(logger, context.Request.Method, path, status, milliseconds, tenant, cards);
                }
            }
        });
        return app;
    }

    private static bool IsProbe(string path) => path is "/healthz" or "/readyz" or "/metrics";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Method} {Path} {Status} {Milliseconds:F0} ms tenant={Tenant} cards={Cards}")]
    private static partial void LogRequest(ILogger logger, string method, string path, int status, double milliseconds, string tenant, string cards);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Method} {Path} {Status} {Milliseconds:F0} ms")]
    private static partial void LogProbe(ILogger logger, string method, string path, int status, double milliseconds);
}
