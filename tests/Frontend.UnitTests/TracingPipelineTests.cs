using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;
using QwenTts.ServiceDefaults.Tracing;

namespace QwenTts.Frontend.UnitTests;

/// <summary>
/// The tracing pipeline every process builds, with the real SDK and a collecting exporter: where traces go, which are
/// sampled, and that an error exports a trace the ratio left out. (Across real processes: Observability.FunctionalTests.)
/// </summary>
public sealed class TracingPipelineTests
{
    [Fact]
    public void Without_an_endpoint_nothing_is_traced_and_a_base_endpoint_gets_the_traces_path()
    {
        Assert.Null(OtlpSettings.From(Configuration()));

        var http = OtlpSettings.From(Configuration(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")))!;
        Assert.Equal(new Uri("http://collector:4318/v1/traces"), http.Endpoint);
        Assert.Equal(OtlpExportProtocol.HttpProtobuf, http.Protocol);
        Assert.Equal(5000, http.ScheduleDelayMilliseconds);

        var grpc = OtlpSettings.From(Configuration(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")))!;
        Assert.Equal(new Uri("http://collector:4317"), grpc.Endpoint);
        Assert.Equal(OtlpExportProtocol.Grpc, grpc.Protocol);

        var specific = OtlpSettings.From(Configuration(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://traces.example/ingest"), ("OTEL_BSP_SCHEDULE_DELAY", "250")))!;
        Assert.Equal(new Uri("https://traces.example/ingest"), specific.Endpoint);
        Assert.Equal(250, specific.ScheduleDelayMilliseconds);
    }

    [Fact]
    public void A_wrong_setting_stops_the_process_with_its_reason()
    {
        Assert.Contains("http/protobuf", Assert.Throws<InvalidOperationException>(() =>
            OtlpSettings.From(Configuration(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"), ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")))).Message);
        Assert.Contains("OTEL_EXPORTER_OTLP_ENDPOINT", Assert.Throws<InvalidOperationException>(() =>
            OtlpSettings.From(Configuration(("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318")))).Message);
        Assert.Contains("SampleRatio", Assert.Throws<InvalidOperationException>(() => new TracingOptions { SampleRatio = 1.5 }.Validate()).Message);
    }

    [Fact]
    public void A_trace_the_ratio_left_out_is_exported_whole_when_one_of_its_spans_ends_in_error()
    {
        using var pipeline = new Pipeline(ratio: 0);

        using (var quiet = pipeline.Source.StartActivity("qwentts.segment"))
        {
            pipeline.Source.StartActivity("qwentts.route")?.Dispose();
        }

        string failedTrace;
        using (var request = pipeline.Source.StartActivity("qwentts.segment"))
        {
            Assert.NotNull(request);
            Assert.False(request.Recorded, "ratio 0 samples nothing by itself");
            failedTrace = request.TraceId.ToHexString();
            pipeline.Source.StartActivity("qwentts.route")?.Dispose(); // ends before the error: held, then exported
            using (var attempt = pipeline.Source.StartActivity("qwentts.attempt"))
            {
                attempt!.SetStatus(ActivityStatusCode.Error, "card died");
            }

            pipeline.Source.StartActivity("qwentts.failover")?.Dispose(); // ends after it: goes straight out
        }

        var exported = pipeline.Flush();
        Assert.Equal(["qwentts.attempt", "qwentts.failover", "qwentts.route", "qwentts.segment"], exported.Select(a => a.DisplayName).Order());
        Assert.All(exported, a => Assert.Equal(TraceSampler.HeldState, a.TraceStateString)); // what tells the silos to hold their part
        Assert.All(exported, a => Assert.Equal(failedTrace, a.TraceId.ToHexString()));
        Assert.All(exported, a => Assert.True(a.Recorded));
        Assert.Equal(2, pipeline.Processor.HeldSpans); // the quiet trace's two spans wait out their hold, unexported
    }

    [Fact]
    public void A_caller_or_a_linked_request_decides_and_nothing_but_a_request_or_segment_starts_a_trace()
    {
        using var pipeline = new Pipeline(ratio: 0);
        var sampledCaller = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);

        using (pipeline.Source.StartActivity("Microsoft.AspNetCore.Hosting.HttpRequestIn", ActivityKind.Server, sampledCaller))
        {
        }

        using (pipeline.Source.StartActivity("qwentts.segment", ActivityKind.Internal, default(ActivityContext), links: [new ActivityLink(sampledCaller)]))
        {
        }

        // A grain call of a timer or a load report, with no request around it: no trace (the SDK keeps a propagation-only
        // activity), and the silo's side of that call, unsampled and not held, records nothing either.
        using (var report = pipeline.Source.StartActivity("IDeviceRegistryGrain/ReportAsync", ActivityKind.Client))
        {
            Assert.False(report is { IsAllDataRequested: true });
            var remote = new ActivityContext(report?.TraceId ?? ActivityTraceId.CreateRandom(), report?.SpanId ?? ActivitySpanId.CreateRandom(),
                ActivityTraceFlags.None, report?.TraceStateString, isRemote: true);
            using var server = pipeline.Source.StartActivity("IDeviceRegistryGrain/ReportAsync", ActivityKind.Server, remote);
            Assert.False(server is { IsAllDataRequested: true });
        }

        var exported = pipeline.Flush();
        Assert.Equal(2, exported.Count);
        Assert.Equal(sampledCaller.TraceId, exported.Single(a => a.Kind == ActivityKind.Server).TraceId);
        Assert.NotEqual(sampledCaller.TraceId, exported.Single(a => a.Kind == ActivityKind.Internal).TraceId);
    }

    [Fact]
    public void A_silo_holds_its_part_of_a_trace_the_frontend_holds_and_a_caller_cannot_opt_a_request_out_of_errors()
    {
        using var pipeline = new Pipeline(ratio: 0);
        var held = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, "other=1," + TraceSampler.HeldState, isRemote: true);
        var unsampledCaller = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None, "vendor=x", isRemote: true);

        using (var grainCall = pipeline.Source.StartActivity("IDeviceGrain/SynthesizeAsync", ActivityKind.Server, held))
        {
            Assert.True(grainCall is { IsAllDataRequested: true, Recorded: false });
            grainCall!.SetStatus(ActivityStatusCode.Error, "card failed");
        }

        using (var request = pipeline.Source.StartActivity("Microsoft.AspNetCore.Hosting.HttpRequestIn", ActivityKind.Server, unsampledCaller))
        {
            Assert.True(request is { IsAllDataRequested: true, Recorded: false });
            Assert.Equal(TraceSampler.HeldState + ",vendor=x", request!.TraceStateString);
            request.SetStatus(ActivityStatusCode.Error, "503");
        }

        Assert.Equal([held.TraceId, unsampledCaller.TraceId], pipeline.Flush().Select(a => a.TraceId));
    }

    [Fact]
    public void A_ratio_of_one_exports_every_trace_and_held_spans_are_bounded()
    {
        using (var all = new Pipeline(ratio: 1))
        {
            all.Source.StartActivity("qwentts.segment")?.Dispose();
            Assert.Single(all.Flush());
        }

        using var bounded = new Pipeline(ratio: 0, holdSpans: 3);
        for (var i = 0; i < 5; i++)
        {
            bounded.Source.StartActivity("qwentts.segment")?.Dispose();
        }

        Assert.Equal(3, bounded.Processor.HeldSpans);
        Assert.Empty(bounded.Flush());
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    /// <summary>A tracer provider as TracingDefaults builds it, exporting into a list.</summary>
    private sealed class Pipeline : IDisposable
    {
        private readonly Collecting _exporter = new();
        private readonly TracerProvider _provider;

        public Pipeline(double ratio, int holdSpans = 1000)
        {
            Source = new ActivitySource("QwenTts.Test." + Guid.NewGuid().ToString("N"));
            Processor = new ErrorKeepingExportProcessor(_exporter, new TracingOptions { SampleRatio = ratio, ErrorHoldSpans = holdSpans }, scheduledDelayMilliseconds: 10);
            _provider = Sdk.CreateTracerProviderBuilder().AddSource(Source.Name).SetSampler(new TraceSampler(ratio)).AddProcessor(Processor).Build();
        }

        public ActivitySource Source { get; }

        public ErrorKeepingExportProcessor Processor { get; }

        public List<Activity> Flush()
        {
            Assert.True(_provider.ForceFlush(5000));
            lock (_exporter.Spans)
            {
                return [.. _exporter.Spans];
            }
        }

        public void Dispose()
        {
            _provider.Dispose();
            Source.Dispose();
        }
    }

    private sealed class Collecting : BaseExporter<Activity>
    {
        public List<Activity> Spans { get; } = [];

        public override ExportResult Export(in Batch<Activity> batch)
        {
            lock (Spans)
            {
                foreach (var activity in batch)
                {
                    Spans.Add(activity);
                }
            }

            return ExportResult.Success;
        }
    }
}
