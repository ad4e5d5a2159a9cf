using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Auth;

/// <summary>"Authorization: Bearer qtts_..." (as OpenAI clients send it) to a principal that names the tenant.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TenantDirectory tenants) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string TenantClaim = "tenant";
    public const string UnavailableItem = "qwentts.auth.unavailable";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header) && KeyFromSubProtocol() is { } offered)
        {
            header = "Bearer " + offered;
        }

        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.Fail("The Authorization header must be 'Bearer <api key>'.");
        }

        var key = header["Bearer ".Length..].Trim();
        if (!ApiKeyFormat.LooksValid(key))
        {
            return AuthenticateResult.Fail("The API key is not in the expected format.");
        }

        var lookup = await tenants.FindAsync(key, Context.RequestAborted);
        switch (lookup.Status)
        {
            case KeyStatus.Unavailable:
                Context.Items[UnavailableItem] = true;
                return AuthenticateResult.Fail("The key cannot be checked now: " + lookup.Reason + ". Retry shortly.");
            case KeyStatus.Revoked:
                return AuthenticateResult.Fail("This API key was revoked, or its tenant is disabled.");
            case KeyStatus.Unknown:
                return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        var tenant = lookup.Tenant!;
        var identity = new ClaimsIdentity([new Claim(TenantClaim, tenant.Id), new Claim(ClaimTypes.Name, tenant.DisplayName)], SchemeName);
        Context.Features.Set(new TenantFeature(tenant));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>Browsers cannot set headers on a WebSocket: they offer the key as the subprotocol "qwentts.key.&lt;key&gt;".</summary>
    private string? KeyFromSubProtocol() => Request.Headers.SecWebSocketProtocol.ToString()
        .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
        .FirstOrDefault(p => p.StartsWith(SubProtocolKeyPrefix, StringComparison.Ordinal))?[SubProtocolKeyPrefix.Length..];

    public const string SubProtocolKeyPrefix = "qwentts.key.";

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var unavailable = Context.Items.ContainsKey(UnavailableItem);
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = unavailable ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status401Unauthorized;
        if (unavailable)
        {
            Response.Headers.RetryAfter = "5";
        }
        else
        {
            Response.Headers.WWWAuthenticate = "Bearer";
        }

        await Results.Problem(
            statusCode: Response.StatusCode,
            title: unavailable ? "Authentication is temporarily unavailable" : "Authentication required",
            detail: result.Failure?.Message ?? "Send 'Authorization: Bearer <api key>'. Keys are created with 'QwenTts.Frontend admin create-key'.")
            .ExecuteAsync(Context);
    }
}

/// <summary>The authenticated request's tenant, with its quotas.</summary>
public sealed record TenantFeature(Tenant Tenant);

public static class TenantHttpContextExtensions
{
    public static Tenant Tenant(this HttpContext context) =>
        context.Features.Get<TenantFeature>()?.Tenant ?? throw new InvalidOperationException("The request is not authenticated.");
}
