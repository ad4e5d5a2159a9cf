using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using QwenTts.Observability.FunctionalTests.Otlp;
using QwenTts.TestSupport;

namespace QwenTts.Observability.FunctionalTests;

/// <summary>
/// Traces received from the real processes over OTLP/HTTP: one connected trace per request across the frontend and the
/// silos, with the spans an operator reads (routing decision, card queue, first audio, prefill, failover, encode);
/// errors exported though the trace was not sampled; what was not sampled and did not fail, not exported.
/// </summary>
[Collection(TracedSystemCollection.Name)]
public sealed class TracingTests(TracedSystemFixture fixture, ITestOutputHelper output)
{
    /// <summary>Three sentences, each a segment of its own: they run on three cards at once, so on both silos.</summary>
    private const string ThreeSentences =
        "The first part of this passage is long enough to be a segment of its own, so the frontend sends it to a card by itself right away. " +
        "The second part follows it with different words and a different length, which gives it a different sound from the first one. " +
        "The third part closes the passage, and it too is long enough that the segmenter keeps it apart from the two that came before it.";

    /// <summary>Two segments (the segmenter joins short sentences up to a target length; these are past it).</summary>
    private static readonly string TwoSentences = string.Join(". ", ThreeSentences.Split(". ").Take(2)) + ".";

    [Fact]
    public async Task A_sampled_speech_request_is_one_connected_trace_across_the_frontend_and_both_silos()
    {
        var caller = CallerTrace.NewSampled();
        var (requestId, _) = await SpeakAsync(ThreeSentences, caller);

        var spans = await fixture.ConnectedTraceAsync(caller.TraceId, s =>
            s.Any(x => x.ParentSpanId == caller.SpanId) && s.Count(x => x.Name == "qwentts.segment") >= 3
            && s.Count(x => x.Name == "qwentts.card") == s.Count(x => x.Name == "qwentts.segment") && s.Any(x => x.Name == "qwentts.encode"),
            outsideParent: caller.SpanId);
        Describe(spans);

        // One trace, three processes: the frontend and both silos.
        var processes = spans.Select(s => (s.Service, s.Instance)).Distinct().ToList();
        Assert.Single(processes, p => p.Service == "qwentts-frontend");
        Assert.Equal(["silo-a", "silo-b"], processes.Where(p => p.Service == "qwentts-silo").Select(p => p.Instance).Order());

        // The request's span: the only child of the caller's span, with the tenant and the id the caller was given.
        var request = Assert.Single(spans, s => s.ParentSpanId == caller.SpanId);
        Assert.Equal("qwentts-frontend", request.Service);
        Assert.Equal(fixture.Tenant, request.Text("qwentts.tenant"));
        Assert.Equal(requestId, request.Text("qwentts.request_id"));

        var byId = spans.ToDictionary(s => s.SpanId);
        foreach (var card in spans.Where(s => s.Name == "qwentts.card"))
        {
            // silo -> Orleans -> frontend: the card's span hangs under the try on that card, in a segment of this request.
            Assert.Equal("qwentts-silo", card.Service);
            var ancestors = Ancestors(card, byId);
            var attempt = Assert.Single(ancestors, a => a.Name == "qwentts.attempt");
            Assert.Equal("qwentts-frontend", attempt.Service);
            Assert.Equal(card.Text("qwentts.card"), attempt.Text("qwentts.card"));
            Assert.Equal(card.Instance, card.Text("qwentts.card")!.Split('/')[0]);
            var segment = Assert.Single(ancestors, a => a.Name == "qwentts.segment");
            Assert.Equal(request.SpanId, segment.ParentSpanId);
            Assert.StartsWith(requestId + "-", card.Text("qwentts.request_id"));
            Assert.Equal("completed", card.Text("qwentts.outcome"));

            // On the card: its queue, and its first audio with the engine's prefill inside.
            var children = spans.Where(s => s.ParentSpanId == card.SpanId).ToList();
            Assert.Single(children, c => c.Name == "qwentts.card.queue");
            var firstAudio = Assert.Single(children, c => c.Name == "qwentts.card.first_audio");
            var prefill = Assert.Single(spans, s => s.ParentSpanId == firstAudio.SpanId && s.Name == "qwentts.engine.prefill");
            Assert.True(prefill.EndNanos <= firstAudio.EndNanos && firstAudio.EndNanos <= card.EndNanos, "prefill, then first audio, within the card's span");

            // The routing decision that sent it there: the chosen card and how soon it and the runners-up would have finished.
            var route = Assert.Single(spans, s => s.Name == "qwentts.route" && s.ParentSpanId == segment.SpanId && s.Text("qwentts.card") is not null);
            Assert.Equal(card.Text("qwentts.card"), route.Text("qwentts.card"));
            Assert.True(route.Attributes["qwentts.route.expected_completion_s"] is double expected && expected > 0);
            var runnersUp = Assert.IsType<object[]>(route.Attributes["qwentts.route.runners_up"]);
            var theirs = Assert.IsType<object[]>(route.Attributes["qwentts.route.runners_up_expected_completion_s"]);
            Assert.NotEmpty(runnersUp);
            Assert.Equal(runnersUp.Length, theirs.Length);
            Assert.DoesNotContain(card.Text("qwentts.card"), runnersUp.Cast<string>());
        }

        var encode = Assert.Single(spans, s => s.Name == "qwentts.encode");
        Assert.Equal(request.SpanId, encode.ParentSpanId);
        Assert.Equal("pcm", encode.Text("qwentts.encode.format"));
        Assert.DoesNotContain(spans, s => s.IsError);

        // The request's log line carries the trace id.
        Assert.Equal(caller.TraceId, await fixture.TraceIdOfAsync(requestId));
    }

    [Fact]
    public async Task A_card_failing_mid_utterance_is_traced_with_its_failover_though_the_request_was_not_sampled()
    {
        string requestId;
        try
        {
            // Whichever card takes the next utterance fails after its first chunk (and removes the file); another resumes it.
            await File.WriteAllTextAsync(fixture.FaultFile, "mid-stream-once");
            (requestId, _) = await SpeakAsync("A sentence long enough to stream in several chunks before it ends, so the failure falls in the middle.");
            Assert.False(File.Exists(fixture.FaultFile), "a card failed mid-stream");
        }
        finally
        {
            File.Delete(fixture.FaultFile);
        }

        var traceId = await fixture.TraceIdOfAsync(requestId);
        var spans = await fixture.ConnectedTraceAsync(traceId, s =>
            s.Any(x => x.Name == "qwentts.failover") && s.Count(x => x.Name == "qwentts.card") == 2
            && s.Any(x => x.Service == "qwentts-frontend" && x.ParentSpanId.Length == 0));
        Describe(spans);

        var root = Assert.Single(spans, s => s.ParentSpanId.Length == 0);
        Assert.Equal(requestId, root.Text("qwentts.request_id"));
        var failed = Assert.Single(spans, s => s.Name == "qwentts.attempt" && s.IsError);
        var failedCard = Assert.Single(spans, s => s.Name == "qwentts.card" && s.IsError);
        Assert.Contains("mid-utterance", failedCard.StatusMessage, StringComparison.Ordinal);
        Assert.Equal(failed.Text("qwentts.card"), failedCard.Text("qwentts.card"));

        var failover = Assert.Single(spans, s => s.Name == "qwentts.failover");
        Assert.Equal(failed.Text("qwentts.card"), failover.Text("qwentts.failover.from_card"));
        Assert.True(failover.Attributes["qwentts.failover.resumed"] is true, "the new card resumed after the frames the caller had");
        Assert.NotEqual(failover.Text("qwentts.card"), failover.Text("qwentts.failover.from_card"));
        var resumedCard = Assert.Single(spans, s => s.Name == "qwentts.card" && !s.IsError);
        Assert.Equal(failover.Text("qwentts.card"), resumedCard.Text("qwentts.card"));
        Assert.Contains(Ancestors(resumedCard, spans.ToDictionary(s => s.SpanId)), a => a.SpanId == failover.SpanId);
        Assert.True(resumedCard.Attributes["qwentts.card.resumed_frames"] is long frames && frames > 0, "the new card replayed the frames the caller had");
    }

    [Fact]
    public async Task A_request_that_was_not_sampled_and_did_not_fail_is_not_exported()
    {
        var (quiet, _) = await SpeakAsync("Nothing goes wrong with this one.");
        var quietTrace = await fixture.TraceIdOfAsync(quiet);

        // A sampled request afterwards, on both silos: once its spans are in, the quiet one's would be too (each process
        // exports in the order spans end).
        var caller = CallerTrace.NewSampled();
        await SpeakAsync(ThreeSentences, caller);
        var later = await fixture.ConnectedTraceAsync(caller.TraceId, s =>
            s.Any(x => x.ParentSpanId == caller.SpanId) && s.Count(x => x.Name == "qwentts.card") >= 3, outsideParent: caller.SpanId);
        Assert.Equal(2, later.Where(s => s.Service == "qwentts-silo").Select(s => s.Instance).Distinct().Count());
        Assert.Empty(fixture.Receiver.Trace(quietTrace));
    }

    [Fact]
    public async Task Each_WebSocket_sentence_is_a_trace_of_its_own_linked_to_the_session()
    {
        var caller = CallerTrace.NewSampled();
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + fixture.Key);
        socket.Options.SetRequestHeader("traceparent", caller.Header);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri(fixture.System.Frontend.ToString().Replace("http://", "ws://") + "v1/audio/speech/stream"), timeout.Token);
        foreach (var message in new object[]
        {
            new { type = "session.config", voice = "alloy", language = "english" },
            new { type = "input.text", text = "The first sentence of the session is here. " },
            new { type = "input.text", text = "And a second one follows it." },
            new { type = "input.done" },
        })
        {
            await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, timeout.Token);
        }

        var done = await ReadUntilDoneAsync(socket, timeout.Token);
        Assert.Equal(2, done.GetProperty("total_sentences").GetInt32());

        // The session's own span is in the caller's trace; each sentence starts a trace linked to it.
        var session = await Eventually.HoldsAsync(() => Task.FromResult(fixture.Receiver.Trace(caller.TraceId)),
            s => s.Any(x => x.ParentSpanId == caller.SpanId), TimeSpan.FromSeconds(30), "the session's span");
        var sessionSpan = Assert.Single(session, s => s.ParentSpanId == caller.SpanId);
        Assert.Equal(done.GetProperty("request_id").GetString(), sessionSpan.Text("qwentts.request_id"));
        var sentences = await Eventually.HoldsAsync(
            () => Task.FromResult(fixture.Receiver.Spans.Where(s => s.Name == "qwentts.segment" && s.Links.Contains((caller.TraceId, sessionSpan.SpanId))).ToList()),
            s => s.Count == 2, TimeSpan.FromSeconds(30), "two sentence traces linked to the session");
        Assert.Equal(2, sentences.Select(s => s.TraceId).Distinct().Count());
        foreach (var sentence in sentences)
        {
            Assert.NotEqual(caller.TraceId, sentence.TraceId);
            Assert.Empty(sentence.ParentSpanId);
            var spans = await fixture.ConnectedTraceAsync(sentence.TraceId, s =>
                s.Any(x => x.Name == "qwentts.card") && s.Any(x => x.Name == "qwentts.encode"));
            Assert.Contains(spans, s => s.Name == "qwentts.card" && s.Service == "qwentts-silo");
            Assert.Equal(sentence.SpanId, Assert.Single(spans, s => s.Name == "qwentts.encode").ParentSpanId);
        }
    }

    [Fact]
    public async Task Each_job_segment_is_a_trace_of_its_own_linked_to_the_request_that_submitted_it()
    {
        var caller = CallerTrace.NewSampled();
        using var client = fixture.System.Client(fixture.Key);
        using var submit = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/jobs")
        {
            Content = JsonContent.Create(new { input = TwoSentences, voice = "alloy", language = "english", response_format = "wav" }),
        };
        submit.Headers.Add("traceparent", caller.Header);
        using var accepted = await client.SendAsync(submit);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var status = await Eventually.HoldsAsync(async () => (await client.GetFromJsonAsync<JsonElement>($"/v1/audio/jobs/{id}")).GetProperty("status").GetString(),
            status => status is "completed" or "failed", TimeSpan.FromSeconds(60), $"job {id} to finish");
        Assert.Equal("completed", status);

        var submitted = await Eventually.HoldsAsync(() => Task.FromResult(fixture.Receiver.Trace(caller.TraceId)),
            s => s.Any(x => x.ParentSpanId == caller.SpanId), TimeSpan.FromSeconds(30), "the submitting request's span");
        var post = Assert.Single(submitted, s => s.ParentSpanId == caller.SpanId);
        Assert.Equal(id, post.Text("qwentts.request_id"));
        var segments = await Eventually.HoldsAsync(
            () => Task.FromResult(fixture.Receiver.Spans.Where(s => s.Name == "qwentts.segment" && s.Links.Contains((caller.TraceId, post.SpanId))).ToList()),
            s => s.Count == 2, TimeSpan.FromSeconds(30), "two segment traces linked to the submitting request");
        foreach (var segment in segments)
        {
            Assert.StartsWith(id + "-", segment.Text("qwentts.request_id"));
            Assert.True(segment.Attributes["qwentts.segment.background"] is true, "a job segment is background work");
            var spans = await fixture.ConnectedTraceAsync(segment.TraceId, s => s.Any(x => x.Name == "qwentts.card"));
            Assert.Contains(spans, s => s.Name == "qwentts.card" && s.Service == "qwentts-silo");
        }
    }

    [Fact]
    public async Task A_collector_that_refuses_the_spans_shows_on_metrics_and_in_the_log()
    {
        var frontend = fixture.System.System.Frontend!;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var metrics = new Uri(frontend.OperatorAddress!, "/metrics");
        var before = ExportFailures(await http.GetStringAsync(metrics));
        fixture.Receiver.Refuse = true;
        try
        {
            await SpeakAsync("Refused by the collector.", CallerTrace.NewSampled());
            var after = await Eventually.HoldsAsync(async () => ExportFailures(await http.GetStringAsync(metrics)), n => n > before,
                TimeSpan.FromSeconds(30), "qwentts_telemetry_export_failures_total to grow");
            output.WriteLine($"export failures {before} -> {after}");
        }
        finally
        {
            fixture.Receiver.Refuse = false;
        }

        Assert.Contains("Traces not exported: the OTLP collector at", frontend.Process.Output, StringComparison.Ordinal);
    }

    private static double ExportFailures(string exposition)
    {
        var line = exposition.Split('\n').Single(l => l.StartsWith("qwentts_telemetry_export_failures_total{", StringComparison.Ordinal));
        return double.Parse(line[(line.IndexOf('}') + 1)..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<(string RequestId, byte[] Audio)> SpeakAsync(string input, CallerTrace? caller = null)
    {
        using var client = fixture.System.Client(fixture.Key);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/audio/speech")
        {
            Content = JsonContent.Create(new { input, voice = "alloy", language = "english", response_format = "pcm", seed = 7 }),
        };
        if (caller is not null)
        {
            request.Headers.Add("traceparent", caller.Header);
        }

        using var response = await client.SendAsync(request);
        var audio = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(audio);
        return (response.Headers.GetValues("X-Request-Id").Single(), audio);
    }

    private static async Task<JsonElement> ReadUntilDoneAsync(ClientWebSocket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        for (var messages = 0; messages < 10_000; messages++)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, cancellationToken);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                break;
            }

            if (result.MessageType == WebSocketMessageType.Text)
            {
                var json = JsonDocument.Parse(Encoding.UTF8.GetString(message.ToArray())).RootElement.Clone();
                Assert.NotEqual("error", json.GetProperty("type").GetString());
                if (json.GetProperty("type").GetString() == "session.done")
                {
                    return json;
                }
            }
        }

        throw new InvalidOperationException("the session closed without session.done");
    }

    private static List<ReceivedSpan> Ancestors(ReceivedSpan span, IReadOnlyDictionary<string, ReceivedSpan> byId)
    {
        var chain = new List<ReceivedSpan>();
        for (var at = span; byId.TryGetValue(at.ParentSpanId, out var parent) && chain.Count < 100; at = parent)
        {
            chain.Add(parent);
        }

        return chain;
    }

    private void Describe(IReadOnlyList<ReceivedSpan> spans)
    {
        foreach (var span in spans.OrderBy(s => s.StartNanos))
        {
            output.WriteLine($"{span} {(span.IsError ? "ERROR " + span.StatusMessage : "")} {(span.EndNanos - span.StartNanos) / 1e6:F1} ms");
        }
    }
}
