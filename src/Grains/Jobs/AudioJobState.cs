using QwenTts.Grains.Interfaces.Jobs;

namespace QwenTts.Grains.Jobs;

[GenerateSerializer]
public sealed class AudioJobState
{
    [Id(0)] public AudioJobSpec? Spec { get; set; }

    [Id(1)] public AudioJobStatus Status { get; set; }

    [Id(2)] public Dictionary<int, AudioJobSegment> Finished { get; set; } = [];

    [Id(3)] public string? Error { get; set; }

    [Id(4)] public DateTimeOffset CreatedAt { get; set; }

    [Id(5)] public DateTimeOffset? CompletedAt { get; set; }

    [Id(6)] public AudioJobContent? Content { get; set; }

    [Id(7)] public string? LeaseHolder { get; set; }

    [Id(8)] public DateTimeOffset LeaseUntil { get; set; }

    [Id(9)] public string? CallbackStatus { get; set; }

    [Id(10)] public string? RobotsStatus { get; set; }

    /// <summary>The job ended with a callback_url and its callback is neither delivered nor given up yet.</summary>
    [Id(11)] public bool CallbackPending { get; set; }

    /// <summary>Callback attempts started, by any frontend (the count survives a frontend that dies mid-delivery).</summary>
    [Id(12)] public int CallbackAttempts { get; set; }

    /// <summary>The job's reserved characters went back to its tenant's quota (it failed or was deleted before its audio was made).</summary>
    [Id(13)] public bool CharactersReturned { get; set; }

    /// <summary>The chat tools the finished job's broadcast has still to reach.</summary>
    [Id(14)] public List<string> RobotsPending { get; set; } = [];

    /// <summary>Each reached tool's outcome ("wecom: voice"), in the order they were reached.</summary>
    [Id(15)] public List<string> RobotOutcomes { get; set; } = [];

    /// <summary>Runners that took the broadcast over from one that stopped mid-way; bounded, so a broadcast that kills its sender ends.</summary>
    [Id(16)] public int RobotTakeovers { get; set; }
}
