namespace QwenTts.Frontend.Problems;

/// <summary>How the exception handlers answer: the status on the response and a problem+json body with its detail.</summary>
public static class ProblemWriting
{
    public static ValueTask<bool> TryWriteProblemAsync(this IProblemDetailsService problems, HttpContext context, Exception exception,
        int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        return problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
