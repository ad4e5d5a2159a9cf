using Microsoft.AspNetCore.Diagnostics;

namespace QwenTts.Frontend.Problems;

/// <summary>
/// The last resort (registered after the specific handlers): a failure nobody foresaw is a 500 problem whose detail gives
/// the request id to quote, since the exception is logged under that id (the exception middleware logs it).
/// </summary>
public sealed class UnexpectedExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }

        return await problems.TryWriteProblemAsync(context, exception, StatusCodes.Status500InternalServerError, "Internal error",
            $"The server failed on {context.Request.Method} {context.Request.Path} ({exception.GetType().Name}). " +
            $"It is logged under request id {context.TraceIdentifier}; quote it when you report the problem.");
    }
}
