namespace QwenTts.Engine.Runtime;

/// <summary>Which ONNX Runtime execution provider runs a card's graphs.</summary>
public enum ExecutionProviderKind
{
    /// <summary>Plain CPU (also used by emulated cards).</summary>
    Cpu,

    /// <summary>NVIDIA GPUs.</summary>
    Cuda,

    /// <summary>Huawei Ascend NPUs (CANN).</summary>
    Cann,

    /// <summary>Hygon DCUs and AMD GPUs through ROCm.</summary>
    Rocm,

    /// <summary>Hygon DCUs and AMD GPUs through MIGraphX.</summary>
    MIGraphX,
}

/// <summary>Execution provider settings of one card.</summary>
public sealed record ExecutionProviderOptions
{
    public ExecutionProviderKind Kind { get; init; } = ExecutionProviderKind.Cpu;

    public int DeviceId { get; init; }

    /// <summary>CPU: threads inside one graph run. Concurrent utterances add parallelism on top.</summary>
    public int IntraOpThreads { get; init; } = 1;

    /// <summary>CANN / CUDA: size limit of the device memory arena in bytes (null: provider default).</summary>
    public long? DeviceMemoryLimit { get; init; }

    /// <summary>CANN / CUDA: kNextPowerOfTwo or kSameAsRequested.</summary>
    public string ArenaExtendStrategy { get; init; } = "kNextPowerOfTwo";

    /// <summary>CANN: prefer CANN's graph engine.</summary>
    public bool EnableCannGraph { get; init; } = true;

    /// <summary>CUDA: how cuDNN picks convolution algorithms (EXHAUSTIVE, HEURISTIC or DEFAULT; null: provider default).</summary>
    public string? CudnnConvAlgoSearch { get; init; }

    /// <summary>
    /// On the CPU, the engine's own graphs use ONNX Runtime's fused operators (GroupQueryAttention,
    /// SkipSimplifiedLayerNormalization): about a third of the nodes. False keeps standard operators only (to compare).
    /// </summary>
    public bool FusedCpuGraphs { get; init; } = true;

    /// <summary>
    /// When set, ONNX Runtime writes a per-node profile (JSON, one file per graph) into this folder when the model is
    /// unloaded: where time goes and which provider ran each node. For diagnosis only: it slows every run.
    /// </summary>
    public string? ProfileDirectory { get; init; }

    /// <summary>CANN operator precision mode, e.g. force_fp16, allow_mix_precision (null: provider default).</summary>
    public string? CannPrecisionMode { get; init; }

    /// <summary>Name ONNX Runtime reports for this provider in its list of available providers.</summary>
    public string NativeProviderName => Kind switch
    {
        ExecutionProviderKind.Cpu => "CPUExecutionProvider",
        ExecutionProviderKind.Cuda => "CUDAExecutionProvider",
        ExecutionProviderKind.Cann => "CANNExecutionProvider",
        ExecutionProviderKind.Rocm => "ROCMExecutionProvider",
        ExecutionProviderKind.MIGraphX => "MIGraphXExecutionProvider",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind)),
    };
}
