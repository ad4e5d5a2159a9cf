using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace QwenTts.Frontend.Problems;

/// <summary>
/// Malformed JSON, a wrong content type or an oversized body become a 4xx problem that says what is wrong, never a
/// 500. Anything else unexpected is logged and answered with a generic 500 problem.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        var detail = bad.InnerException is JsonException json
            ? JsonProblemDetail.Describe(json)
            : bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? "The request body is too large."
                : bad.Message;
        return await problems.TryWriteProblemAsync(context, exception, bad.StatusCode, "Invalid request", detail);
    }
}
