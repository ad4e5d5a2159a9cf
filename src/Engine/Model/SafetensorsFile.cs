using System.Buffers.Binary;
using System.Text.Json;

namespace QwenTts.Engine.Model;

/// <summary>One tensor's entry in a safetensors header.</summary>
public sealed record SafetensorsEntry(string Name, string Dtype, long[] Shape, long Begin, long End, string File)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// Reads tensors from the HF folder's safetensors files: an 8-byte little-endian header length, a JSON header of
/// name -> {dtype, shape, data_offsets} (offsets relative to the end of the header), then the data. F32, F16 and BF16
/// are read as fp32. A sharded folder is read through model.safetensors.index.json. Only the tensors asked for are
/// read, so a 4 GB checkpoint costs only what is used. Anything malformed is refused with the file and the reason.
/// </summary>
public sealed class SafetensorsFile
{
    private const long MaxHeaderBytes = 100L << 20;
    private readonly Dictionary<string, SafetensorsEntry> _entries;

    private SafetensorsFile(Dictionary<string, SafetensorsEntry> entries) => _entries = entries;

    public IReadOnlyCollection<string> Names => _entries.Keys;

    public bool Contains(string name) => _entries.ContainsKey(name);

    public SafetensorsEntry Entry(string name) => _entries.TryGetValue(name, out var entry)
        ? entry
        : throw new ModelValidationException($"The safetensors weights have no tensor '{name}'.");

    /// <summary>model.safetensors, or the shards named by model.safetensors.index.json; null when the folder has neither.</summary>
    public static SafetensorsFile? OpenFolder(string directory)
    {
        var single = Path.Combine(directory, "model.safetensors");
        if (File.Exists(single))
        {
            return Open([single]);
        }

        var index = Path.Combine(directory, "model.safetensors.index.json");
        if (!File.Exists(index))
        {
            return null;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(index));
        var shards = document.RootElement.GetProperty("weight_map").EnumerateObject()
            .Select(p => Path.Combine(directory, p.Value.GetString()!)).Distinct().ToArray();
        return Open(shards);
    }

    public static SafetensorsFile Open(IReadOnlyList<string> files)
    {
        var entries = new Dictionary<string, SafetensorsEntry>();
        foreach (var file in files)
        {
            foreach (var entry in ReadHeader(file))
            {
                entries[entry.Name] = entry;
            }
        }

        return new SafetensorsFile(entries);
    }

    /// <summary>The tensor as fp32, checked against the expected shape when one is given.</summary>
    public float[] ReadFloats(string name, params long[] expectedShape)
    {
        var entry = Entry(name);
        if (expectedShape.Length > 0 && !entry.Shape.SequenceEqual(expectedShape))
        {
            throw new ModelValidationException(
                $"{entry.File}: tensor '{name}' has shape [{string.Join(",", entry.Shape)}], expected [{string.Join(",", expectedShape)}].");
        }

        var bytes = new byte[entry.End - entry.Begin];
        using (var stream = new FileStream(entry.File, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            stream.Seek(DataStart(stream) + entry.Begin, SeekOrigin.Begin);
            stream.ReadExactly(bytes);
        }

        var values = new float[entry.Elements];
        switch (entry.Dtype)
        {
            case "F32":
                Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
                break;
            case "F16":
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2));
                }

                break;
            case "BF16":
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2)) << 16);
                }

                break;
        }

        return values;
    }

    private static long DataStart(FileStream stream)
    {
        Span<byte> length = stackalloc byte[8];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(length);
        return 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(length);
    }

    private static IEnumerable<SafetensorsEntry> ReadHeader(string file)
    {
        if (!File.Exists(file))
        {
            throw new ModelValidationException($"Safetensors file {file} is missing.");
        }

        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length < 8)
        {
            throw new ModelValidationException($"{file} is not a safetensors file: {stream.Length} bytes, shorter than its header length.");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes || 8 + (long)headerLength > stream.Length)
        {
            throw new ModelValidationException($"{file} is not a safetensors file: header length {headerLength} does not fit in {stream.Length} bytes.");
        }

        var header = new byte[headerLength];
        stream.ReadExactly(header);
        var dataLength = stream.Length - 8 - (long)headerLength;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new ModelValidationException($"{file}: the safetensors header is not JSON: {ex.Message}", ex);
        }

        using (document)
        {
            var entries = new List<SafetensorsEntry>();
            foreach (var property in document.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
            {
                entries.Add(ParseEntry(file, property, dataLength));
            }

            return entries;
        }
    }

    private static SafetensorsEntry ParseEntry(string file, JsonProperty property, long dataLength)
    {
        try
        {
            var dtype = property.Value.GetProperty("dtype").GetString()!;
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(o => o.GetInt64()).ToArray();
            var entry = new SafetensorsEntry(property.Name, dtype, shape, offsets[0], offsets[1], file);
            var size = dtype switch
            {
                "F32" => 4,
                "F16" or "BF16" => 2,
                _ => throw new ModelValidationException($"{file}: tensor '{property.Name}' has dtype {dtype}; only F32, F16 and BF16 are read."),
            };
            if (offsets.Length != 2 || entry.Begin < 0 || entry.End < entry.Begin || entry.End > dataLength)
            {
                throw new ModelValidationException($"{file}: tensor '{property.Name}' has data offsets [{string.Join(",", offsets)}] outside the {dataLength} data bytes.");
            }

            if (entry.End - entry.Begin != entry.Elements * size)
            {
                throw new ModelValidationException(
                    $"{file}: tensor '{property.Name}' of shape [{string.Join(",", shape)}] {dtype} needs {entry.Elements * size} bytes, its offsets give {entry.End - entry.Begin}.");
            }

            return entry;
        }
        catch (Exception ex) when (ex is KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new ModelValidationException($"{file}: tensor '{property.Name}' has a malformed header entry ({ex.Message}).", ex);
        }
    }
}
