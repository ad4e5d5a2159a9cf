using System.IO.Pipelines;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace QwenTts.Frontend.Problems;

/// <summary>
/// Kestrel answers a request it cannot parse (e.g. <c>GET /v1/voices/%00</c>) itself, before any middleware runs, with
/// an empty body; every endpoint's connections pass through <see cref="ServerRejectionWriter"/> so that answer is
/// problem+json too.
/// </summary>
public static class ServerRejectionProblems
{
    private sealed record Pipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

    public static KestrelServerOptions UseServerRejectionProblems(this KestrelServerOptions kestrel)
    {
        kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
        {
            connection.Transport = new Pipe(connection.Transport.Input, new ServerRejectionWriter(connection.Transport.Output));
            return next(connection);
        }));
        return kestrel;
    }
}
