using QwenTts.ServiceDefaults.Tracing;

namespace QwenTts.Frontend.Logging;

/// <summary>The path as logs show it: the request's path, or for an endpoint marked secret its route pattern ("/v1/audio/links/{token}").</summary>
public static class LoggedPath
{
    public static string Of(HttpContext context) =>
        context.GetEndpoint() is RouteEndpoint endpoint && endpoint.Metadata.GetMetadata<SecretInPathMetadata>() is not null
            ? endpoint.RoutePattern.RawText ?? "(a path with a secret)"
            : context.Request.Path.Value ?? "";

    /// <summary>Logs of this endpoint's requests show its route, not its path (which carries a token).</summary>
    public static TBuilder WithSecretInPath<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SecretInPathMetadata());
}
