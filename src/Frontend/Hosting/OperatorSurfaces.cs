using Orleans.Dashboard;
using QwenTts.Frontend.Devices;

namespace QwenTts.Frontend.Hosting;

/// <summary>
/// /dashboard (Orleans), /cards (each card's health and load) and /metrics (Prometheus) are for operators, not tenants: they answer only on the operator
/// port, checked against the connection's local port (a Host header cannot fake it), and are not served at all when
/// no operator port is configured. The public port answers 404 for them, as for any unknown path.
/// </summary>
public static partial class OperatorSurfaces
{
    public const string DashboardPath = "/dashboard";
    public const string MetricsPath = "/metrics";

    public static WebApplication MapOperatorSurfaces(this WebApplication app, OperatorOptions options)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OperatorSurfaces).FullName!);
        if (options.Port is not { } port)
        {
            LogNoOperatorPort(logger);
            return app;
        }

        app.MapPrometheusScrapingEndpoint(MetricsPath);
        app.MapCardDashboard();
        if (options.Dashboard)
        {
            app.MapOrleansDashboard(DashboardPath);
        }

        LogOperatorPort(logger, port);
        return app;
    }

    /// <summary>Turns operator paths away unless the connection came in on the operator port. Goes before routing.</summary>
    public static IApplicationBuilder UseOperatorPortGate(this IApplicationBuilder app, OperatorOptions options) => app.Use(async (context, next) =>
    {
        if (IsOperatorPath(context.Request.Path) && context.Connection.LocalPort != options.Port)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        await next(context);
    });

    private static bool IsOperatorPath(PathString path) =>
        path.StartsWithSegments(DashboardPath) || path.StartsWithSegments(MetricsPath) || path.StartsWithSegments(CardDashboard.Path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Operator surfaces (/dashboard, /cards, /metrics) on port {Port} only")]
    private static partial void LogOperatorPort(ILogger logger, int port);

    [LoggerMessage(Level = LogLevel.Information, Message = "No Operator:Port configured: /dashboard, /cards and /metrics are not served by this frontend")]
    private static partial void LogNoOperatorPort(ILogger logger);
}
