using System.Diagnostics;
using QwenTts.Grains.Interfaces.Devices;
using QwenTts.Grains.Interfaces.Synthesis;

namespace QwenTts.Grains.Devices;

/// <summary>
/// A card's spans ("QwenTts.Devices"), on the silo that owns it: the utterance on the card (<c>qwentts.card</c>), its
/// wait in the card's queue, and its time to first audio (the engine's prefill inside it). They continue the frontend's
/// trace through the grain call Orleans made for it. The grain method is an async iterator whose later steps run under
/// Orleans' later calls, so each span is parented explicitly on the card's span, never on whatever is current then.
/// </summary>
internal static class CardTracing
{
    public const string SourceName = "QwenTts.Devices";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>The utterance's span, under the grain call that started it; none when that call was not traced.</summary>
    public static Activity? StartCard(SynthesisJob job, DeviceId card, string kind, bool emulated, int resumedFrames)
    {
        if (Activity.Current is not { } call || !Source.HasListeners())
        {
            return null;
        }

        return Child("qwentts.card", call, ActivityKind.Internal, new ActivityTagsCollection
        {
            ["qwentts.card"] = card.Key,
            ["qwentts.card.kind"] = kind,
            ["qwentts.card.emulated"] = emulated,
            ["qwentts.request_id"] = job.RequestId,
            ["qwentts.tenant"] = job.Tenant,
            ["qwentts.card.resumed_frames"] = resumedFrames,
            ["qwentts.segment.background"] = job.Background,
        });
    }

    public static Activity? StartQueue(Activity? card, int ahead) =>
        card is null ? null : Child("qwentts.card.queue", card, ActivityKind.Internal, new ActivityTagsCollection { ["qwentts.card.queue.ahead"] = ahead });

    public static void EndQueue(Activity? queue, string? handedBack)
    {
        if (queue is null)
        {
            return;
        }

        if (handedBack is not null)
        {
            queue.SetTag("qwentts.card.handed_back", handedBack);
        }

        queue.Stop();
    }

    /// <summary>From the start on the card to its first audio; the engine's spans (prefill) go under it.</summary>
    public static Activity? StartFirstAudio(Activity? card) =>
        card is null ? null : Child("qwentts.card.first_audio", card, ActivityKind.Internal, new ActivityTagsCollection());

    /// <summary>Ends the card's span with what it made; an error when the card failed.</summary>
    public static void EndCard(Activity? card, string outcome, int frames, string? error)
    {
        if (card is null)
        {
            return;
        }

        card.SetTag("qwentts.outcome", outcome);
        card.SetTag("qwentts.frames", frames);
        if (error is not null)
        {
            card.SetStatus(ActivityStatusCode.Error, error);
        }

        card.Stop();
    }

    /// <summary>Makes <paramref name="span"/> current for what runs from here until the iterator's next yield.</summary>
    public static void MakeCurrent(Activity? span)
    {
        if (span is not null)
        {
            Activity.Current = span;
        }
    }

    private static Activity? Child(string name, Activity parent, ActivityKind kind, ActivityTagsCollection tags)
    {
        var previous = Activity.Current;
        var span = Source.StartActivity(name, kind, parent.Context, tags);
        Activity.Current = previous;
        return span;
    }
}
