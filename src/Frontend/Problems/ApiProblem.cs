namespace QwenTts.Frontend.Problems;

/// <summary>A 4xx/5xx answer in problem+json (RFC 9457), with an optional Retry-After.</summary>
public sealed record ApiProblem(int Status, string Title, string Detail, TimeSpan? RetryAfter = null)
{
    public IResult ToResult(HttpContext context)
    {
        if (RetryAfter is { } retry)
        {
            context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return TypedResults.Problem(statusCode: Status, title: Title, detail: Detail);
    }

    public static ApiProblem BadRequest(string detail) => new(StatusCodes.Status400BadRequest, "Invalid request", detail);

    public static ApiProblem NotFound(string detail) => new(StatusCodes.Status404NotFound, "Not found", detail);
}
