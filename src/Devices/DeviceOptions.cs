using QwenTts.Grains.Interfaces.Devices;

namespace QwenTts.Devices;

/// <summary>The cards of this silo and how they run; bound from the <c>Devices</c> configuration section.</summary>
public sealed class DeviceOptions
{
    public const string Section = "Devices";

    /// <summary>Cards declared in configuration (real ones, CPU ones, emulated ones).</summary>
    public List<CardSpec> Cards { get; set; } = [];

    /// <summary>Also add every card npu-smi / hy-smi / nvidia-smi find that is not declared.</summary>
    public bool Discover { get; set; }

    /// <summary>With no card declared or found, run one CPU card so the silo still serves.</summary>
    public bool CpuFallback { get; set; } = true;

    /// <summary>Utterances a card runs at once unless its spec says otherwise.</summary>
    public int MaxConcurrent { get; set; } = 4;

    /// <summary>
    /// Utterances a card may run beyond what it runs at once (MaxConcurrent; on a batching card, as many as keep its streams
    /// ahead of playback) to resume streams that failed on another card: those start at once rather than wait for a slot,
    /// because their listeners are waiting in silence. 0 queues them first instead.
    /// </summary>
    public int ResumeHeadroom { get; set; } = 1;

    /// <summary>
    /// How much audio a listener is taken to hold before it starts playing. A batching card runs at once only as many
    /// streams as keep each piece arriving before such a listener has played the ones before it (with the card's piece
    /// sizes, <c>Model:FirstChunkFrames</c> to <c>Model:MaxChunkFrames</c>; see models/README.md). The frontend assumes
    /// the same (<c>Routing:AssumedPlayerBuffer</c>) to tell when a stream's card has fallen behind.
    /// </summary>
    public TimeSpan AssumedPlayerBuffer { get; set; } = Grains.Interfaces.Synthesis.Playback.DefaultPlayerBuffer;

    /// <summary>
    /// Utterances of a card's decode lane that share each decode step (continuous batching; see models/README.md). Unset:
    /// the most the card runs at once (MaxConcurrent + ResumeHeadroom) spread over its lanes, so no utterance waits for a
    /// row; 2 on a Hygon DCU (<see cref="Cards.CardBatchShape"/>). 1 runs each utterance on its own (no lanes).
    /// At static shapes every run carries all of a lane's rows. A card whose engine cannot batch (no checkpoint, or a row
    /// that is not bit-equal to itself alone on its provider) runs unbatched and says why.
    /// </summary>
    public int? BatchRows { get; set; }

    /// <summary>
    /// Decode lanes per card, each with BatchRows rows, running their steps in parallel. Unset: on the CPU one per core, at
    /// most one per seat (a lane runs its steps on one core; measured in models/README.md, one lane on a 2-core host gave
    /// 0.76x the unbatched card's frames/s at 8 utterances, where the unbatched card used both cores); on an accelerator
    /// one, or as many as seat everyone when BatchRows is set (<see cref="Cards.CardBatchShape"/>).
    /// </summary>
    public int? BatchLanes { get; set; }

    /// <summary>Utterances that may wait per card; past it the card refuses work.</summary>
    public int QueueLimit { get; set; } = 16;

    /// <summary>How often a card reports its load when nothing happens.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A busy card that produces no audio for this long counts as stalled: it hands back the requests still waiting
    /// in its queue (they go to other cards) and takes nothing new until audio flows again. Unset, it is derived from
    /// the card's own pace: twice its largest chunk at its measured working rate, at least 2 s. (The card's utterances
    /// take turns, so a working card sends some audio at least once per largest chunk at its rate.)
    /// </summary>
    public TimeSpan? StallTimeout { get; set; }

    /// <summary>Frames per second of an emulated card of relative speed 1.0 (shared by its concurrent utterances).</summary>
    public double EmulatedFramesPerSecond { get; set; } = 50;

    /// <summary>
    /// Set, emulated cards batch: n utterances share one step that costs 1 + this x (n - 1) times a lone one's (0: a step
    /// costs the same for any n; 1: no gain, utterances take turns). Unset, they take turns (processor sharing).
    /// </summary>
    public double? EmulatedBatchStepCost { get; set; }

    /// <summary>
    /// Unset, an emulated card starts from its profile's rate; set, every emulated card starts from this guess, like
    /// cards nobody has measured, and learns its own rate from the frames it produces (the routing benchmark does).
    /// </summary>
    public double? EmulatedAssumedFramesPerSecond { get; set; }

    /// <summary>How card health is judged and how unhealthy cards are probed (<c>Devices:Health</c>).</summary>
    public QwenTts.Devices.Cards.CardHealthOptions Health { get; set; } = new();
}

/// <summary>One card of this silo.</summary>
public sealed class CardSpec
{
    /// <summary>Index on this silo: the device grain is "{silo}/{index}".</summary>
    public int Index { get; set; }

    public DeviceKind Kind { get; set; } = DeviceKind.Cpu;

    /// <summary>"ascend-910b" or "hygon-dcu": run on the CPU provider but advertise that kind and profile.</summary>
    public string? Emulate { get; set; }

    /// <summary>Throughput relative to an Ascend 910B (emulated cards are paced to it).</summary>
    public double RelativeSpeed { get; set; } = 1.0;

    /// <summary>Memory the card advertises (emulated) or has (real); 0: unknown.</summary>
    public double MemoryGiB { get; set; }

    /// <summary>The runtime device id passed to the execution provider (after visible-devices renumbering).</summary>
    public int DeviceId { get; set; }

    /// <summary>CPU provider threads inside one graph run.</summary>
    public int Threads { get; set; } = 1;

    public int? MaxConcurrent { get; set; }

    /// <summary>Overrides Devices:BatchRows for this card (e.g. 2 on a Hygon DCU until larger batches are measured there).</summary>
    public int? BatchRows { get; set; }

    public int? QueueLimit { get; set; }

    public string? Model { get; set; }

    /// <summary>CANN / CUDA memory arena limit in bytes.</summary>
    public long? DeviceMemoryLimit { get; set; }

    public string? CannPrecisionMode { get; set; }

    /// <summary>CUDA: cuDNN convolution algorithm search (EXHAUSTIVE, HEURISTIC or DEFAULT).</summary>
    public string? CudnnConvAlgoSearch { get; set; }

    /// <summary>Diagnosis only: ONNX Runtime writes a per-node profile of every graph here when the card unloads.</summary>
    public string? ProfileDirectory { get; set; }

    /// <summary>Overrides the provider chosen from the kind (Hygon: Rocm by default, or MIGraphX).</summary>
    public QwenTts.Engine.Runtime.ExecutionProviderKind? Provider { get; set; }

    /// <summary>
    /// Emulated cards only, for failure drills and tests: while this file exists every utterance on the card fails
    /// before its first frame, through the real path (grain, health, circuit breaker, router); if the file says
    /// "mid-stream", each fails after its first chunk of audio instead ("mid-stream-once": only the next one, and the file
    /// is removed).
    /// </summary>
    public string? FaultFile { get; set; }

    public bool IsEmulated => !string.IsNullOrWhiteSpace(Emulate);

    /// <summary>The kind this card advertises: the emulated one, or its own.</summary>
    public DeviceKind AdvertisedKind => Emulate?.ToLowerInvariant() switch
    {
        null or "" => Kind,
        var e when e.StartsWith("ascend", StringComparison.Ordinal) => DeviceKind.Ascend,
        var e when e.StartsWith("hygon", StringComparison.Ordinal) => DeviceKind.Hygon,
        var e when e.StartsWith("nvidia", StringComparison.Ordinal) => DeviceKind.Nvidia,
        _ => throw new InvalidOperationException($"Card {Index}: unknown emulate profile '{Emulate}' (use ascend-910b, hygon-dcu or nvidia-*)."),
    };
}

/// <summary>Where the model directories are; bound from the <c>Model</c> configuration section.</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>The VoiceDesign (or CustomVoice) model every card loads.</summary>
    public string Directory { get; set; } = "";

    /// <summary>Optional Base model for design-then-clone voices; cards load it too when set.</summary>
    public string? CloneDirectory { get; set; }

    /// <summary>Cap frames at this many per text token (0: only the model's hard cap). The miniature needs it.</summary>
    public int MaxFramesPerTextToken { get; set; }

    /// <summary>The official HF folder of <see cref="Directory"/> (configs, tokenizer) when it is not the folder itself or its hf/.</summary>
    public string? HfDirectory { get; set; }

    public string? CloneHfDirectory { get; set; }

    public int FirstChunkFrames { get; set; } = 4;

    public int ChunkFrames { get; set; } = 12;

    /// <summary>Stream chunks double from <see cref="ChunkFrames"/> up to this (see models/README.md for the measured choice).</summary>
    public int MaxChunkFrames { get; set; } = new Engine.Pipeline.StreamingOptions().MaxChunkFrames;

    public int LeftContextFrames { get; set; } = new Engine.Pipeline.StreamingOptions().LeftContextFrames;

    /// <summary>Static shapes (bucketed KV cache, padded prefill and decodes): null = on for CANN and MIGraphX only.</summary>
    public bool? StaticShapes { get; set; }

    /// <summary>
    /// CPU cards: the engine's graphs in ONNX Runtime's fused operators, and the talker through the engine's own step
    /// (see models/README.md). False keeps standard operators and the export's talker (one copy of its weights, not two).
    /// </summary>
    public bool FusedCpuGraphs { get; set; } = true;

    /// <summary>Run the quick self-test (decode mask, finite outputs, static-shape codes) on every card at load.</summary>
    public bool SelfTestAtLoad { get; set; } = true;
}
