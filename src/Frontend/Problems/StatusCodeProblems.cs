namespace QwenTts.Frontend.Problems;

/// <summary>
/// Gives bare status codes (set by the framework without a body, e.g. 413 from Kestrel's body limit or 415 for a
/// non-JSON body) a problem+json body that says what to do.
/// </summary>
public static class StatusCodeProblems
{
    public static WebApplication UseStatusCodeProblems(this WebApplication app, long maxBodyBytes)
    {
        app.UseStatusCodePages(async context =>
        {
            var http = context.HttpContext;
            var detail = http.Response.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => $"The request body is too large: the limit is {maxBodyBytes} bytes.",
                StatusCodes.Status415UnsupportedMediaType => "Send the body as JSON with 'Content-Type: application/json'.",
                StatusCodes.Status404NotFound => $"There is nothing at {http.Request.Path}. The API lives under /v1; see /openapi/v1.json.",
                StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} is not allowed on {http.Request.Path}.",
                _ => null,
            };
            await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = { Status = http.Response.StatusCode, Detail = detail },
            });
        });
        return app;
    }
}
