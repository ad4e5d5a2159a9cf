using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using QwenTts.Engine.Runtime;

namespace QwenTts.Engine.UnitTests;

public sealed class ExecutionProviderTests
{
    [Theory]
    [InlineData(ExecutionProviderKind.Cuda, "Microsoft.ML.OnnxRuntime.Gpu.Linux")]
    [InlineData(ExecutionProviderKind.Cann, "--use_cann")]
    [InlineData(ExecutionProviderKind.Rocm, "--use_rocm")]
    [InlineData(ExecutionProviderKind.MIGraphX, "--use_migraphx")]
    public void A_provider_missing_from_the_stock_cpu_build_is_a_clear_error_naming_the_build(ExecutionProviderKind kind, string build)
    {
        // The project ships the stock, CPU-only Microsoft.ML.OnnxRuntime package.
        Assert.DoesNotContain(new ExecutionProviderOptions { Kind = kind }.NativeProviderName, SessionOptionsFactory.AvailableProviders());

        var error = Assert.Throws<ExecutionProviderUnavailableException>(() => SessionOptionsFactory.Create(new ExecutionProviderOptions { Kind = kind }));

        Assert.Contains(build, error.Message, StringComparison.Ordinal);
        Assert.Contains("CPUExecutionProvider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_cann_entry_points_match_the_positions_in_the_managed_bindings_copy_of_the_c_api_table()
    {
        var table = typeof(InferenceSession).Assembly.GetType("Microsoft.ML.OnnxRuntime.OrtApi", throwOnError: true)!;
        int Index(string field) => (int)Marshal.OffsetOf(table, field) / IntPtr.Size;

        Assert.Equal(CannProvider.AppendCannIndex, Index("SessionOptionsAppendExecutionProvider_CANN"));
        Assert.Equal(CannProvider.CreateCannOptionsIndex, Index("CreateCANNProviderOptions"));
        Assert.Equal(CannProvider.UpdateCannOptionsIndex, Index("UpdateCANNProviderOptions"));
        Assert.Equal(CannProvider.ReleaseCannOptionsIndex, Index("ReleaseCANNProviderOptions"));
        Assert.Equal(CannProvider.GetErrorMessageIndex, Index("GetErrorMessage"));
        Assert.Equal(CannProvider.ReleaseStatusIndex, Index("ReleaseStatus"));
    }

    [Fact]
    public void Cann_settings_carry_the_documented_provider_options()
    {
        var settings = SessionOptionsFactory.CannSettings(new ExecutionProviderOptions
        {
            Kind = ExecutionProviderKind.Cann,
            DeviceId = 3,
            DeviceMemoryLimit = 16L << 30,
            CannPrecisionMode = "allow_mix_precision",
        });

        Assert.Equal("3", settings["device_id"]);
        Assert.Equal((16L << 30).ToString(System.Globalization.CultureInfo.InvariantCulture), settings["npu_mem_limit"]);
        Assert.Equal("kNextPowerOfTwo", settings["arena_extend_strategy"]);
        Assert.Equal("1", settings["enable_cann_graph"]);
        Assert.Equal("allow_mix_precision", settings["precision_mode"]);
    }
}
