using System.Diagnostics;
using System.Globalization;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Routing;

/// <summary>
/// The routing spans ("QwenTts.Routing"): a segment, and inside it the admission wait, each routing decision (the chosen
/// card, its expected completion of the segment and the runners-up's) and each try on a card, a continuation after a card
/// died mid-utterance named as a failover. The dispatcher is an async iterator, and what it makes current is lost at each
/// yield: its spans are parented explicitly, and made current only around the calls that start spans of their own (the
/// router's admission wait, Orleans' grain call).
/// </summary>
public static class RoutingTracing
{
    public const string SourceName = "QwenTts.Routing";

    /// <summary>The segment span's name: with a request's HTTP span, the only span that may start a trace.</summary>
    public const string SegmentSpan = "qwentts.segment";

    internal static readonly ActivitySource Source = new(SourceName);

    /// <summary>
    /// Starts the segment's span and makes it current for the caller (an async method running the segment):
    /// under the caller's span, or as a trace of its own linked to <see cref="SegmentTrace.Link"/>.
    /// </summary>
    public static Activity? StartSegment(SynthesisJob job, SegmentTrace trace)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var tags = new ActivityTagsCollection
        {
            ["qwentts.request_id"] = job.RequestId,
            ["qwentts.tenant"] = job.Tenant,
            ["qwentts.segment.characters"] = job.Text.Length,
            ["qwentts.segment.language"] = job.Language,
            ["qwentts.segment.background"] = job.Background,
        };
        if (!trace.OwnTrace)
        {
            return Source.StartActivity(SegmentSpan, ActivityKind.Internal, Activity.Current?.Context ?? default, tags);
        }

        Activity.Current = null; // a trace of its own, not a child of the session or worker that runs it
        ActivityLink[]? links = trace.Link == default ? null : [new ActivityLink(trace.Link)];
        return Source.StartActivity(SegmentSpan, ActivityKind.Internal, default(ActivityContext), tags, links);
    }

    /// <summary>Ends the segment's span; an error unless it completed or its caller left.</summary>
    public static void EndSegment(Activity? segment, Exception? failure, bool cancelled)
    {
        if (segment is null)
        {
            return;
        }

        if (cancelled)
        {
            segment.SetTag("qwentts.outcome", "cancelled");
        }
        else if (failure is not null)
        {
            segment.SetTag("qwentts.outcome", "failed");
            segment.SetStatus(ActivityStatusCode.Error, failure.Message);
        }
        else
        {
            segment.SetTag("qwentts.outcome", "completed");
        }

        segment.Stop();
    }

    /// <param name="why">first, refused (the last card turned it away), rerouted (the last card could not start it), failover, moved (the last card fell behind playback).</param>
    internal static Activity? StartRoute(Activity? segment, int attempt, string why, double frames) =>
        Start("qwentts.route", segment, new ActivityTagsCollection
        {
            ["qwentts.attempt"] = attempt,
            ["qwentts.route.why"] = why,
            ["qwentts.route.frames"] = Math.Round(frames, 1),
        });

    /// <summary>
    /// The decision on the route span: the chosen card, the runners-up and how soon each would have finished. No card is
    /// an error only for a request that waited its turn for one (a look-ahead segment just tries again later).
    /// </summary>
    internal static void Routed(Activity? route, DeviceRouter.Ticket? ticket, bool waited)
    {
        if (route is null)
        {
            return;
        }

        if (ticket?.Decision is { } decision)
        {
            route.SetTag("qwentts.card", ticket.Device.Key);
            route.SetTag("qwentts.route.policy", decision.Policy.ToString());
            route.SetTag("qwentts.route.candidates", decision.Candidates);
            route.SetTag("qwentts.route.expected_completion_s", Math.Round(decision.ExpectedSeconds, 3));
            route.SetTag("qwentts.route.runners_up", decision.RunnersUp.Select(r => r.Device.Key).ToArray());
            route.SetTag("qwentts.route.runners_up_expected_completion_s", decision.RunnersUp.Select(r => Math.Round(r.ExpectedSeconds, 3)).ToArray());
        }
        else
        {
            route.SetTag("qwentts.outcome", "no card had room");
            if (waited)
            {
                route.SetStatus(ActivityStatusCode.Error, "no card had room within the admission timeout");
            }
        }

        route.Stop();
    }

    /// <summary>
    /// A try on a card; a <c>qwentts.failover</c> when it continues a segment whose card died after audio went out. A try
    /// after a card failed (<paramref name="afterFailure"/>) is sampled whatever the trace's decision, and so is what the
    /// next card does for it: the failure's trace is exported (see ErrorKeepingExportProcessor), and with it the card that
    /// took over.
    /// </summary>
    internal static Activity? StartAttempt(Activity? segment, DeviceId card, int attempt, bool afterFailure, Failover? failover)
    {
        var tags = new ActivityTagsCollection { ["qwentts.card"] = card.Key, ["qwentts.attempt"] = attempt };
        if (failover is { } f)
        {
            tags["qwentts.failover.from_card"] = f.From.Key;
            tags["qwentts.failover.resumed"] = f.Resumed;
            tags["qwentts.failover.exact"] = f.Exact;
            tags["qwentts.failover.delivered_s"] = Math.Round(f.DeliveredSeconds, 3);
            tags["qwentts.failover.reason"] = f.BehindPlayback ? "behind_playback" : "card_failed";
        }

        var span = Start(failover is null ? "qwentts.attempt" : "qwentts.failover", segment, tags);
        if (span is not null && afterFailure)
        {
            span.ActivityTraceFlags |= ActivityTraceFlags.Recorded;
        }

        return span;
    }

    /// <summary>Ends a try: its outcome, and an error when the card failed, stalled or vanished.</summary>
    internal static void EndAttempt(Activity? attempt, string outcome, string? error, long deliveredSamples)
    {
        if (attempt is null)
        {
            return;
        }

        attempt.SetTag("qwentts.outcome", outcome);
        attempt.SetTag("qwentts.delivered_s", Math.Round(Seconds(deliveredSamples), 3));
        if (error is not null)
        {
            attempt.SetStatus(ActivityStatusCode.Error, error);
        }

        attempt.Stop();
    }

    /// <summary>The router's wait for a card with room (only when it had to wait), under whatever span is current.</summary>
    internal static Activity? StartAdmission(int ahead)
    {
        if (Activity.Current is null)
        {
            return null; // only inside a traced request
        }

        return Source.StartActivity("qwentts.admission")?.SetTag("qwentts.admission.ahead", ahead);
    }

    internal static void EndAdmission(Activity? admission, bool admitted, TimeSpan waited)
    {
        if (admission is null)
        {
            return;
        }

        admission.SetTag("qwentts.admission.admitted", admitted);
        admission.SetTag("qwentts.admission.wait_s", Math.Round(waited.TotalSeconds, 3));
        if (!admitted)
        {
            admission.SetStatus(ActivityStatusCode.Error, string.Create(CultureInfo.InvariantCulture, $"no card had room within {waited.TotalSeconds:0.#} s"));
        }

        admission.Stop();
    }

    /// <summary>Calls <paramref name="call"/> with <paramref name="span"/> current, so spans it starts (before its first await) are children of it.</summary>
    internal static Task<T> InSpan<T>(Activity? span, Func<Task<T>> call)
    {
        if (span is null)
        {
            return call();
        }

        var previous = Activity.Current;
        Activity.Current = span;
        try
        {
            return call();
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    /// <summary>A span under <paramref name="parent"/> that does not become current: the iterator would lose it at its next yield anyway.</summary>
    private static Activity? Start(string name, Activity? parent, ActivityTagsCollection tags)
    {
        if (parent is null || !Source.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        var span = Source.StartActivity(name, ActivityKind.Internal, parent.Context, tags);
        Activity.Current = previous;
        return span;
    }

    /// <summary>Seconds of 24 kHz audio (Qwen3-TTS-12Hz's rate).</summary>
    internal static double Seconds(long samples) => samples / 24000.0;

    /// <summary>What a failover continues from: the card that died, and what the caller already has.</summary>
    /// <param name="BehindPlayback">The last card was well but fell behind playback (the stream moved); false: it failed.</param>
    internal readonly record struct Failover(DeviceId From, bool Resumed, bool Exact, double DeliveredSeconds, bool BehindPlayback = false);
}

/// <summary>
/// How a segment's spans hang together with the request that runs it: inside the caller's trace (a POST
/// /v1/audio/speech request is one trace), or each segment a trace of its own, linked to the caller's span (a WebSocket
/// sentence: a session may last minutes) or to the request that submitted it (a job segment).
/// </summary>
public readonly record struct SegmentTrace(bool OwnTrace, ActivityContext Link)
{
    public static SegmentTrace InRequest => new(false, default);

    public static SegmentTrace Own(ActivityContext link) => new(true, link);
}
