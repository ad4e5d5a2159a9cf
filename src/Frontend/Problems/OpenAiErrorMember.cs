using Microsoft.AspNetCore.Http;

namespace QwenTts.Frontend.Problems;

/// <summary>
/// Every problem+json answer also carries OpenAI's <c>error</c> member ({message, type, param, code}), so OpenAI
/// SDKs show our detail as their error message while problem+json clients read the same body as before.
/// </summary>
public static class OpenAiErrorMember
{
    public static void Add(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var status = problem.Status ?? context.HttpContext.Response.StatusCode;
        problem.Extensions["error"] = new Dictionary<string, object?>
        {
            ["message"] = problem.Detail ?? problem.Title,
            ["type"] = status switch
            {
                401 => "authentication_error",
                403 => "permission_error",
                404 => "not_found_error",
                429 => "rate_limit_error",
                >= 500 => "server_error",
                _ => "invalid_request_error",
            },
            ["param"] = null,
            ["code"] = null,
        };
    }
}
