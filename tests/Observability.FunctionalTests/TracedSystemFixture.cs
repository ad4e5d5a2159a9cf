using System.Text.RegularExpressions;
using QwenTts.Observability.FunctionalTests.Otlp;
using QwenTts.TestSupport;

namespace QwenTts.Observability.FunctionalTests;

/// <summary>
/// The whole system as real processes (PostgreSQL, two silos with two emulated cards each, the frontend), every process
/// sending its traces to an OTLP/HTTP receiver on loopback. The sample ratio is 0: only what a test asks for (a sampled
/// traceparent) or what ends in an error is exported, so both halves of the sampling rule are visible. Every card
/// watches <see cref="FaultFile"/> (absent: no fault).
/// </summary>
public sealed class TracedSystemFixture : IAsyncLifetime
{
    private EmulatedSystem? _system;
    private OtlpTraceReceiver? _receiver;
    private readonly string _jobs = Path.Combine(Path.GetTempPath(), "qwentts-traced-jobs-" + Guid.NewGuid().ToString("N")[..8]);

    public EmulatedSystem System => _system ?? throw new InvalidOperationException("not started");

    public OtlpTraceReceiver Receiver => _receiver ?? throw new InvalidOperationException("not started");

    public string FaultFile { get; } = Path.Combine(Path.GetTempPath(), "qwentts-traced-fault-" + Guid.NewGuid().ToString("N")[..8]);

    public string Tenant { get; } = "traced";

    public string Key { get; private set; } = "";

    public async Task InitializeAsync()
    {
        _receiver = await OtlpTraceReceiver.StartAsync();
        var environment = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Tracing__SampleRatio"] = "0",
        };
        _system = await EmulatedSystem.StartAsync(
            siloArguments: ["--Devices:Cards:0:FaultFile=" + FaultFile, "--Devices:Cards:1:FaultFile=" + FaultFile],
            frontendArguments: ["--Jobs:Local:Directory=" + _jobs, "--Jobs:PollInterval=00:00:00.500"],
            environment: environment);
        Key = await System.CreateTenantAsync(Tenant);
    }

    /// <summary>The trace id on the frontend's log line of the request the caller knows as <paramref name="requestId"/>.</summary>
    public async Task<string> TraceIdOfAsync(string requestId)
    {
        var line = await Eventually.HoldsAsync(
            () => Task.FromResult(System.System.Frontend!.Process.Output.Split('\n').LastOrDefault(l => l.Contains($"request={requestId} ", StringComparison.Ordinal))),
            l => l is not null, TimeSpan.FromSeconds(10), $"the log line of request {requestId}");
        return Regex.Match(line!, "trace=([0-9a-f]{32})").Groups[1].Value;
    }

    /// <summary>
    /// The trace's spans once <paramref name="complete"/> holds for them and every span's parent is among them (or is
    /// <paramref name="outsideParent"/>, the caller's own span): a trace that never connects fails here, after 30 s.
    /// </summary>
    public async Task<IReadOnlyList<ReceivedSpan>> ConnectedTraceAsync(string traceId, Func<IReadOnlyList<ReceivedSpan>, bool> complete, string? outsideParent = null)
    {
        return await Eventually.HoldsAsync(() => Task.FromResult(Receiver.Trace(traceId)), spans =>
        {
            var ids = spans.Select(s => s.SpanId).ToHashSet();
            return spans.Count > 0 && complete(spans)
                && spans.All(s => s.ParentSpanId.Length == 0 ? outsideParent is null : ids.Contains(s.ParentSpanId) || s.ParentSpanId == outsideParent);
        }, TimeSpan.FromSeconds(30), $"a connected trace {traceId}");
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        File.Delete(FaultFile);
        if (Directory.Exists(_jobs))
        {
            Directory.Delete(_jobs, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class TracedSystemCollection : ICollectionFixture<TracedSystemFixture>
{
    public const string Name = "traced system";
}

/// <summary>A W3C traceparent of a sampled trace, as a caller's own tracing would send it.</summary>
public sealed record CallerTrace(string TraceId, string SpanId)
{
    public static CallerTrace NewSampled() => new(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()), Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()[..8]));

    public string Header => $"00-{TraceId}-{SpanId}-01";
}
