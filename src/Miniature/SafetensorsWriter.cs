using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace QwenTts.Miniature;

/// <summary>One tensor to write: its values are made only when its turn comes, so a file of any size holds one at a time.</summary>
public sealed record PendingTensor(string Name, string Dtype, long[] Shape, Func<float[]> Values)
{
    public long Bytes => Shape.Aggregate(1L, (a, b) => a * b) * (Dtype == "F32" ? 4 : 2);
}

/// <summary>Writes tensors as a safetensors file (F32, F16 or BF16), as the HF folder of a release holds its weights.</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<(string Name, float[] Data, long[] Shape)> tensors, string dtype = "F32") =>
        Write(path, tensors.Select(t => new PendingTensor(t.Name, dtype, t.Shape, () => t.Data)).ToList());

    /// <summary>The header first (every offset follows from the shapes), then each tensor's values as it is made.</summary>
    public static void Write(string path, IReadOnlyList<PendingTensor> tensors)
    {
        var header = new JsonObject();
        long offset = 0;
        foreach (var tensor in tensors)
        {
            _ = Width(tensor.Dtype);
            header[tensor.Name] = new JsonObject
            {
                ["dtype"] = tensor.Dtype,
                ["shape"] = new JsonArray(tensor.Shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + tensor.Bytes),
            };
            offset += tensor.Bytes;
        }

        header["__metadata__"] = new JsonObject { ["format"] = "pt" };
        var headerBytes = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var padding = (8 - (headerBytes.Length % 8)) % 8;
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(headerBytes.Length + padding));
        file.Write(length);
        file.Write(headerBytes);
        file.Write(Enumerable.Repeat((byte)' ', padding).ToArray());
        foreach (var tensor in tensors)
        {
            var values = tensor.Values();
            if (values.LongLength * Width(tensor.Dtype) != tensor.Bytes)
            {
                throw new InvalidOperationException($"Tensor '{tensor.Name}' gave {values.LongLength} values for shape [{string.Join(",", tensor.Shape)}].");
            }

            file.Write(Encode(values, tensor.Dtype));
        }
    }

    private static int Width(string dtype) => dtype switch
    {
        "F32" => 4,
        "F16" or "BF16" => 2,
        _ => throw new ArgumentException($"dtype {dtype}: use F32, F16 or BF16.", nameof(dtype)),
    };

    private static byte[] Encode(float[] values, string dtype)
    {
        var bytes = new byte[values.LongLength * Width(dtype)];
        for (var i = 0; i < values.Length; i++)
        {
            switch (dtype)
            {
                case "F32":
                    BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
                    break;
                case "F16":
                    BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(i * 2), (Half)values[i]);
                    break;
                default:
                    // BF16: round to nearest even on the upper 16 bits of the fp32 pattern.
                    var bits = BitConverter.SingleToUInt32Bits(values[i]);
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16));
                    break;
            }
        }

        return bytes;
    }
}
