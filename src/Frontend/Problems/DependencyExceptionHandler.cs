using Microsoft.AspNetCore.Diagnostics;

namespace QwenTts.Frontend.Problems;

/// <summary>
/// The cluster, PostgreSQL or the jobs' audio store failing under a request (a silo gone, the database stopped, the
/// S3 server unreachable) is the service's trouble,
/// not the caller's, and it passes: 503 with Retry-After and what failed, instead of a bare 500.
/// </summary>
public sealed partial class DependencyExceptionHandler(IProblemDetailsService problems, ILogger<DependencyExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var dependency = Describe(exception);
        if (dependency is null || context.Response.HasStarted)
        {
            return false;
        }

        LogUnavailable(Logging.LoggedPath.Of(context), dependency, exception.Message);
        context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteProblemAsync(context, exception, StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable",
            $"The request could not complete because {dependency} is unavailable ({exception.GetType().Name}). Retry shortly.");
    }

    /// <summary>Which dependency failed, from the exception and its inner exceptions; null when it is not one.</summary>
    private static string? Describe(Exception exception)
    {
        string? found = null;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is System.Data.Common.DbException || e.GetType().Namespace?.StartsWith("Npgsql", StringComparison.Ordinal) == true
                || e.Message.Contains("Npgsql", StringComparison.Ordinal))
            {
                return "the database";
            }

            found ??= e switch
            {
                QwenTts.Storage.Audio.AudioStoreUnavailableException => "the audio store",
                OrleansException or SiloUnavailableException => "the cluster",
                TimeoutException => "the cluster or the database",
                _ => null,
            };
        }

        return found;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: {Dependency} unavailable: {Reason}")]
    private partial void LogUnavailable(string path, string dependency, string reason);
}
