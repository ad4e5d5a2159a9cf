namespace QwenTts.LocalHosting;

/// <summary>A started silo or frontend process and the HTTP address of its health and API endpoints.</summary>
/// <param name="httpSocket">The Unix socket its HTTP endpoint listens on instead of a loopback port (then <paramref name="baseAddress"/> is <see cref="UnixSocketHttp.BaseAddress"/>).</param>
public sealed class RunningService(string name, ServiceProcess process, Uri baseAddress, Uri? operatorAddress = null, string? httpSocket = null)
{
    private static readonly HttpClient LoopbackHttp = new() { Timeout = TimeSpan.FromSeconds(10) };

    private readonly HttpClient _http = httpSocket is null ? LoopbackHttp : new HttpClient(UnixSocketHttp.Handler(httpSocket)) { Timeout = TimeSpan.FromSeconds(10) };

    public string Name { get; } = name;

    public ServiceProcess Process { get; } = process;

    public Uri BaseAddress { get; } = baseAddress;

    /// <summary>A frontend's operator port (/dashboard, /metrics); null for a silo, whose one HTTP port is internal.</summary>
    public Uri? OperatorAddress { get; } = operatorAddress;

    /// <summary>The Unix socket of its HTTP endpoint when it runs in a network of its own; null on loopback.</summary>
    public string? HttpSocket { get; } = httpSocket;

    /// <summary>Polls <c>/readyz</c> until it answers 200; fails with the process output if it exits or times out.</summary>
    public Task WaitUntilReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilOkAsync("/readyz", timeout, cancellationToken);

    /// <summary>Polls <c>/healthz</c>: the process listens, whatever its dependencies (PostgreSQL, the cluster) are doing.</summary>
    public Task WaitUntilAliveAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        WaitUntilOkAsync("/healthz", timeout, cancellationToken);

    private async Task WaitUntilOkAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var lastAnswer = "no answer";
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited before it was ready:\n{Tail(Process.Output)}");
            }

            try
            {
                using var response = await _http.GetAsync(new Uri(BaseAddress, path), deadline.Token);
                lastAnswer = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(deadline.Token)}";
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException ex)
            {
                lastAnswer = ex.Message;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(250, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                break;
            }
        }

        throw new TimeoutException($"{Name} did not answer {path} with 200 within {timeout}; last {path}: {lastAnswer}\n{Tail(Process.Output)}");
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : text[^6000..];
}
