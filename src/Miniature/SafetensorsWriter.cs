using System.Buffers.Binary;
using System.Text.Json.Nodes;

namespace QwenTts.Miniature;

/// <summary>Writes tensors as a safetensors file (F32, F16 or BF16), as the HF folder of a release holds its weights.</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<(string Name, float[] Data, long[] Shape)> tensors, string dtype = "F32")
    {
        var header = new JsonObject();
        using var data = new MemoryStream();
        var bytes = new byte[4];
        foreach (var (name, values, shape) in tensors)
        {
            var begin = data.Position;
            foreach (var value in values)
            {
                switch (dtype)
                {
                    case "F32":
                        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
                        data.Write(bytes, 0, 4);
                        break;
                    case "F16":
                        BinaryPrimitives.WriteHalfLittleEndian(bytes, (Half)value);
                        data.Write(bytes, 0, 2);
                        break;
                    case "BF16":
                        // Round to nearest even on the upper 16 bits of the fp32 pattern.
                        var bits = BitConverter.SingleToUInt32Bits(value);
                        var rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16;
                        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)rounded);
                        data.Write(bytes, 0, 2);
                        break;
                    default:
                        throw new ArgumentException($"dtype {dtype}: use F32, F16 or BF16.", nameof(dtype));
                }
            }

            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(begin, data.Position),
            };
        }

        header["__metadata__"] = new JsonObject { ["format"] = "pt" };
        var headerBytes = System.Text.Encoding.UTF8.GetBytes(header.ToJsonString());
        var padding = (8 - (headerBytes.Length % 8)) % 8;
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)(headerBytes.Length + padding));
        file.Write(length);
        file.Write(headerBytes);
        file.Write(Enumerable.Repeat((byte)' ', padding).ToArray());
        data.Position = 0;
        data.CopyTo(file);
    }
}
