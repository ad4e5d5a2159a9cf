using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace QwenTts.Engine.Runtime;

/// <summary>
/// The engine computes in fp32; graphs may take and return fp16. These helpers wrap caller-owned buffers as
/// OrtValues without copying (fp32) or through a reusable fp16 staging buffer, and read either type back as fp32.
/// </summary>
public sealed class FloatTensors(TensorElementType graphType)
{
    private Float16[] _staging = [];

    public TensorElementType GraphType { get; } = graphType;

    public bool IsHalf => GraphType == TensorElementType.Float16;

    /// <summary>Wraps data[..length] as a tensor of the given shape in the graph's float type.</summary>
    public OrtValue Input(float[] data, int length, long[] shape)
    {
        if (!IsHalf)
        {
            return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(0, length), shape);
        }

        if (_staging.Length < length)
        {
            _staging = new Float16[data.Length];
        }

        var halves = MemoryMarshal.Cast<Float16, Half>(_staging.AsSpan(0, length));
        for (var i = 0; i < length; i++)
        {
            halves[i] = (Half)data[i];
        }

        return OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _staging.AsMemory(0, length), shape);
    }

    /// <summary>A caller-owned output buffer for a graph output of known shape (fp32 only; fp16 outputs are allocated by ORT).</summary>
    public OrtValue? PreallocatedOutput(float[] destination, int length, long[] shape) =>
        IsHalf ? null : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, destination.AsMemory(0, length), shape);

    /// <summary>Copies (and widens, for fp16) elements [offset, offset + destination.Length) of a float tensor.</summary>
    public static void Read(OrtValue value, Span<float> destination, int offset = 0)
    {
        var type = value.GetTensorTypeAndShape().ElementDataType;
        if (type == TensorElementType.Float)
        {
            value.GetTensorDataAsSpan<float>().Slice(offset, destination.Length).CopyTo(destination);
            return;
        }

        var halves = MemoryMarshal.Cast<Float16, Half>(value.GetTensorDataAsSpan<Float16>().Slice(offset, destination.Length));
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = (float)halves[i];
        }
    }

    public static OrtValue Int64(long[] data, int length, long[] shape) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, data.AsMemory(0, length), shape);

    public static OrtValue Int64Scalar(long[] holder) =>
        OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, holder.AsMemory(0, 1), []);
}
