using System.Buffers.Binary;
using System.Text;
using QwenTts.Engine.Model;
using QwenTts.Miniature;

namespace QwenTts.Engine.UnitTests;

/// <summary>The safetensors format as the release ships it (header, F32/F16/BF16, offsets, shards), and bad files refused.</summary>
public sealed class SafetensorsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qwentts-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("F32")]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void Each_dtype_reads_back_as_fp32(string dtype)
    {
        var path = Path.Combine(_directory, "model.safetensors");
        float[] values = [0f, 1f, -2.5f, 0.15625f, 1024f, -0.001f];
        SafetensorsWriter.Write(path, [("a.weight", values, [2, 3]), ("b.bias", [7f], [1])], dtype);

        var file = SafetensorsFile.OpenFolder(_directory)!;
        var read = file.ReadFloats("a.weight", 2, 3);

        Assert.Equal(dtype, file.Entry("a.weight").Dtype);
        Assert.Equal([2L, 3L], file.Entry("a.weight").Shape);
        Assert.Equal(7f, file.ReadFloats("b.bias")[0]);
        for (var i = 0; i < values.Length; i++)
        {
            var tolerance = dtype switch { "F32" => 0, "F16" => 1e-3 * Math.Max(1, Math.Abs(values[i])), _ => 1e-2 * Math.Max(1, Math.Abs(values[i])) };
            Assert.True(Math.Abs(values[i] - read[i]) <= tolerance, $"{dtype} value {i}: {values[i]} read as {read[i]}");
        }
    }

    [Fact]
    public void A_sharded_checkpoint_is_read_through_its_index()
    {
        SafetensorsWriter.Write(Path.Combine(_directory, "model-00001-of-00002.safetensors"), [("x", [1f, 2f], [2])]);
        SafetensorsWriter.Write(Path.Combine(_directory, "model-00002-of-00002.safetensors"), [("y", [3f], [1])]);
        File.WriteAllText(Path.Combine(_directory, "model.safetensors.index.json"),
            """{"metadata": {}, "weight_map": {"x": "model-00001-of-00002.safetensors", "y": "model-00002-of-00002.safetensors"}}""");

        var file = SafetensorsFile.OpenFolder(_directory)!;

        Assert.Equal([1f, 2f], file.ReadFloats("x"));
        Assert.Equal([3f], file.ReadFloats("y"));
    }

    [Fact]
    public void A_wrong_shape_or_a_missing_tensor_is_named()
    {
        SafetensorsWriter.Write(Path.Combine(_directory, "model.safetensors"), [("a", [1f, 2f], [2])]);
        var file = SafetensorsFile.OpenFolder(_directory)!;

        Assert.Contains("tensor 'a' has shape [2], expected [3]", Assert.Throws<ModelValidationException>(() => file.ReadFloats("a", 3)).Message, StringComparison.Ordinal);
        Assert.Contains("no tensor 'b'", Assert.Throws<ModelValidationException>(() => file.ReadFloats("b")).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short", "shorter than its header length")]
    [InlineData("header-too-long", "does not fit")]
    [InlineData("not-json", "header is not JSON")]
    [InlineData("unknown-dtype", "has dtype I8; only F32, F16 and BF16 are read")]
    [InlineData("offsets-outside", "outside the 8 data bytes")]
    [InlineData("size-mismatch", "needs 8 bytes, its offsets give 4")]
    public void Bad_files_are_refused_with_the_reason(string kind, string expected)
    {
        var path = Path.Combine(_directory, "model.safetensors");
        File.WriteAllBytes(path, kind switch
        {
            "short" => [1, 2, 3],
            "header-too-long" => Crafted(1000, "{}", 0),
            "not-json" => Crafted(null, "{not json", 8),
            "unknown-dtype" => Crafted(null, """{"a":{"dtype":"I8","shape":[8],"data_offsets":[0,8]}}""", 8),
            "offsets-outside" => Crafted(null, """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8),
            _ => Crafted(null, """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 8),
        });

        var error = Assert.Throws<ModelValidationException>(() => SafetensorsFile.OpenFolder(_directory));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static byte[] Crafted(ulong? declaredLength, string header, int dataBytes)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        return bytes;
    }
}
