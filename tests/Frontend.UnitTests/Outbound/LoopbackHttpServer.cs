using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenTts.Frontend.UnitTests.Outbound;

/// <summary>A real HTTP server on 127.0.0.1 and ::1 (one port) that counts what reaches it and answers with the test's handler.</summary>
public sealed class LoopbackHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private LoopbackHttpServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<LoopbackHttpServer> StartAsync(Func<HttpContext, IResult> respond)
    {
        var port = FreePort();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}", $"http://[::1]:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new LoopbackHttpServer(app, port);
        app.Run(async context =>
        {
            Interlocked.Increment(ref server._requests);
            await respond(context).ExecuteAsync(context);
        });
        await app.StartAsync();
        return server;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
