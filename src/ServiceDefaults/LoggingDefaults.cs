using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace QwenTts.ServiceDefaults;

/// <summary>
/// Quiet console logs by default: warnings and errors from the framework and Orleans, information from our own code
/// (the frontend's one line per request, start-up facts), single-line text with the request's scope (its request id)
/// on every line. Everything is configuration, so any source overrides it: <c>Logging__LogLevel__Default=Information</c>
/// for more, <c>Logging__Console__FormatterName=json</c> for JSON lines (clusters).
/// </summary>
public static class LoggingDefaults
{
    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:QwenTts"] = "Information",
        // Per-request retries on another card: worth a line only when asked for.
        ["Logging:LogLevel:QwenTts.Routing"] = "Warning",
        // The API key handler logs every refusal and challenge at information; the request's own line already says 401.
        ["Logging:LogLevel:QwenTts.Frontend.Auth.ApiKeyAuthenticationHandler"] = "Warning",
        // An unready check is answered, with its reason, by /readyz itself; an error line per probe only floods the console.
        ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "Critical",
        ["Logging:Console:FormatterName"] = "simple",
    };

    public static TBuilder AddQwenTtsLogging<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // First source: every later one (appsettings, environment, command line) overrides these defaults.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.None);
        if (string.Equals(builder.Configuration["Logging:Console:FormatterName"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            builder.Logging.AddSimpleConsole(simple =>
            {
                simple.SingleLine = true;
                simple.IncludeScopes = true;
                simple.TimestampFormat = "HH:mm:ss ";
            });
        }

        return builder;
    }
}
