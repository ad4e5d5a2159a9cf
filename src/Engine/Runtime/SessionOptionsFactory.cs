using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// Session options for one card. The stock Microsoft.ML.OnnxRuntime package is CPU-only: asking it for CUDA, CANN,
/// ROCm or MIGraphX fails here, before any model loads, with the build that has to be installed.
/// </summary>
public static class SessionOptionsFactory
{
    public static IReadOnlyList<string> AvailableProviders() => OrtEnv.Instance().GetAvailableProviders();

    public static SessionOptions Create(ExecutionProviderOptions provider)
    {
        EnsureAvailable(provider);
        var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = Math.Max(1, provider.IntraOpThreads),
            InterOpNumThreads = 1,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };

        try
        {
            switch (provider.Kind)
            {
                case ExecutionProviderKind.Cpu:
                    break;
                case ExecutionProviderKind.Cuda:
                    using (var cuda = new OrtCUDAProviderOptions())
                    {
                        var settings = new Dictionary<string, string>
                        {
                            ["device_id"] = provider.DeviceId.ToString(CultureInfo.InvariantCulture),
                            ["arena_extend_strategy"] = provider.ArenaExtendStrategy,
                        };
                        if (provider.DeviceMemoryLimit is { } limit)
                        {
                            settings["gpu_mem_limit"] = limit.ToString(CultureInfo.InvariantCulture);
                        }

                        if (provider.CudnnConvAlgoSearch is { } search)
                        {
                            settings["cudnn_conv_algo_search"] = search;
                        }

                        cuda.UpdateOptions(settings);
                        options.AppendExecutionProvider_CUDA(cuda);
                    }

                    break;
                case ExecutionProviderKind.Cann:
                    CannProvider.Append(options, CannSettings(provider));
                    break;
                case ExecutionProviderKind.Rocm:
                    options.AppendExecutionProvider_ROCm(provider.DeviceId);
                    break;
                case ExecutionProviderKind.MIGraphX:
                    options.AppendExecutionProvider_MIGraphX(provider.DeviceId);
                    break;
            }
        }
        catch
        {
            options.Dispose();
            throw;
        }

        return options;
    }

    /// <summary>CANN provider options as documented for onnxruntime's CANN EP.</summary>
    public static Dictionary<string, string> CannSettings(ExecutionProviderOptions provider)
    {
        var settings = new Dictionary<string, string>
        {
            ["device_id"] = provider.DeviceId.ToString(CultureInfo.InvariantCulture),
            ["arena_extend_strategy"] = provider.ArenaExtendStrategy,
            ["enable_cann_graph"] = provider.EnableCannGraph ? "1" : "0",
        };
        if (provider.DeviceMemoryLimit is { } limit)
        {
            settings["npu_mem_limit"] = limit.ToString(CultureInfo.InvariantCulture);
        }

        if (provider.CannPrecisionMode is { } precision)
        {
            settings["precision_mode"] = precision;
        }

        return settings;
    }

    public static void EnsureAvailable(ExecutionProviderOptions provider)
    {
        var available = AvailableProviders();
        if (available.Contains(provider.NativeProviderName))
        {
            return;
        }

        var build = provider.Kind switch
        {
            ExecutionProviderKind.Cuda => "an onnxruntime build with CUDA: the Microsoft.ML.OnnxRuntime.Gpu.Linux package 1.31 (CUDA 13 and cuDNN 9 on the host)",
            ExecutionProviderKind.Cann => "an onnxruntime build with CANN for Ascend (built with --use_cann against the host's CANN toolkit; see models/README.md)",
            ExecutionProviderKind.Rocm => "an onnxruntime build with ROCm for Hygon DCUs (built with --use_rocm against the host's DTK/ROCm)",
            ExecutionProviderKind.MIGraphX => "an onnxruntime build with MIGraphX for Hygon DCUs (built with --use_migraphx)",
            _ => "a standard onnxruntime build",
        };
        throw new ExecutionProviderUnavailableException(
            $"The loaded ONNX Runtime has no {provider.NativeProviderName} (it has: {string.Join(", ", available)}). " +
            $"A card on the {provider.Kind} provider needs {build}, whose native library replaces the CPU-only libonnxruntime.so of the stock " +
            "Microsoft.ML.OnnxRuntime package. Or declare the card as emulated to run it on the CPU.");
    }
}
