using Google.Protobuf;
using Onnx;

namespace QwenTts.Graphs;

/// <summary>How a learned weight starts when it is made up rather than read (the miniature draws, a model reads).</summary>
public enum WeightInit
{
    Normal,
    Ones,
}

/// <summary>Supplies the values of a learned weight by name: random for the miniature, read from safetensors for the engine.</summary>
public delegate float[] WeightSource(string name, long[] dims, WeightInit init, float scale);

/// <summary>Where a weight went in a graph's external data file: for reading it back without holding it.</summary>
public sealed record ExternalWeight(string Name, long[] Dims, int ElementType, string File, long Offset, long Length);

/// <summary>
/// A small vocabulary for writing ONNX graphs (opset 17): named inputs and outputs, nodes, and weights that go to
/// one external <c>.onnx.data</c> file beside the graph, as in the public export, or inline for a graph built in memory.
/// Given its folder up front, the builder streams each weight to the data file as it is made, so a graph of any size
/// (a real talker is gigabytes, past both the 2 GB protobuf limit and a MemoryStream's) is written holding one tensor.
/// </summary>
public sealed class OnnxGraphBuilder : IDisposable
{
    public const int Opset = 17;

    private readonly GraphProto _graph;
    private readonly string _name;
    private readonly WeightSource _weights;
    private readonly bool _inline;
    private readonly Stream _external;
    private readonly string? _dataPath;
    private int _counter;
    private bool _usesMicrosoftDomain;

    /// <param name="inline">Weights inside the model (for <see cref="ToBytes"/>) instead of in an external data file.</param>
    /// <param name="directory">The folder the graph will be saved to: its weights stream there as they are made.</param>
    public OnnxGraphBuilder(string name, WeightSource weights, bool inline = false, string? directory = null)
    {
        _name = name;
        _weights = weights;
        _inline = inline;
        _graph = new GraphProto { Name = name };
        if (directory is null || inline)
        {
            _external = new MemoryStream();
        }
        else
        {
            Directory.CreateDirectory(directory);
            _dataPath = Path.Combine(directory, name + ".onnx.data");
            _external = new FileStream(_dataPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        }
    }

    /// <summary>Called for each weight written to the external data file (where it went), e.g. to read it back later.</summary>
    public Action<ExternalWeight>? WeightWritten { get; init; }

    /// <summary>
    /// Learned weights (<see cref="Parameter"/>, <see cref="OnesParameter"/>) stored as fp16, as an fp16 export stores
    /// them, each cast to fp32 where it is used; constants (<see cref="Weight"/>) stay fp32.
    /// </summary>
    public bool HalfWeights { get; init; }

    public string Name => _name;

    public static int Float => (int)TensorProto.Types.DataType.Float;

    public static int Float16 => (int)TensorProto.Types.DataType.Float16;

    public static int Int64 => (int)TensorProto.Types.DataType.Int64;

    /// <summary>Declares a graph input. A dim is a number, or a string naming a dimension that varies.</summary>
    public string Input(string name, int elementType, params object[] dims)
    {
        _graph.Input.Add(ValueInfo(name, elementType, dims));
        return name;
    }

    public void Output(string value, string name, int elementType, params object[] dims)
    {
        if (value != name)
        {
            Node("Identity", [value], output: name);
        }

        _graph.Output.Add(ValueInfo(name, elementType, dims));
    }

    public string Node(string op, string[] inputs, Action<NodeProto>? attributes = null, string? output = null)
    {
        output ??= $"{op.ToLowerInvariant()}_{_counter++}";
        var node = new NodeProto { OpType = op, Name = output + "_node" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        attributes?.Invoke(node);
        _graph.Node.Add(node);
        return output;
    }

    /// <summary>A node with several outputs (e.g. Split).</summary>
    public string[] NodeMulti(string op, string[] inputs, int outputs, Action<NodeProto>? attributes = null)
    {
        var names = Enumerable.Range(0, outputs).Select(i => $"{op.ToLowerInvariant()}_{_counter}_{i}").ToArray();
        _counter++;
        var node = new NodeProto { OpType = op, Name = names[0] + "_node" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(names);
        attributes?.Invoke(node);
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>
    /// A node of ONNX Runtime's own operators (domain com.microsoft, e.g. GroupQueryAttention): for graphs the engine
    /// builds for one provider; the export-like graphs never use them.
    /// </summary>
    /// <param name="omitted">Optional outputs not asked for: their names are left empty, so the kernel skips them.</param>
    public string[] MicrosoftNode(string op, string[] inputs, int outputs, Action<NodeProto>? attributes = null, params int[] omitted)
    {
        var names = NodeMulti(op, inputs, outputs, attributes);
        var node = _graph.Node[^1];
        node.Domain = MicrosoftDomain;
        foreach (var index in omitted)
        {
            node.Output[index] = names[index] = "";
        }

        _usesMicrosoftDomain = true;
        return names;
    }

    public const string MicrosoftDomain = "com.microsoft";

    /// <summary>A learned weight, from the builder's weight source (made-up ones: N(0, scale²)).</summary>
    public string Parameter(string name, float scale, params long[] dims) => Learned(name, _weights(name, dims, WeightInit.Normal, scale), dims);

    /// <summary>A learned weight that starts at ones (a norm's scale).</summary>
    public string OnesParameter(string name, params long[] dims) => Learned(name, _weights(name, dims, WeightInit.Ones, 1f), dims);

    private string Learned(string name, float[] data, long[] dims) => HalfWeights
        ? this.Cast(Store(name, data, dims, Float16), Float)
        : Store(name, data, dims, Float);

    /// <summary>A float weight stored in the external data file (or inline).</summary>
    public string Weight(string name, float[] data, params long[] dims) => Store(name, data, dims, Float);

    /// <summary>
    /// The engine's graphs for an fp16 export (<see cref="WeightMatMul"/>): weight matrices kept in fp16 and multiplied in
    /// fp16, as the export does, so an accelerator holds half the bytes and runs its fp16 GEMMs; norms, attention and the
    /// residual stream stay fp32.
    /// </summary>
    public bool HalfMatMuls { get; init; }

    /// <summary>x times a learned weight matrix: fp32, or in fp16 with an fp16 weight under <see cref="HalfMatMuls"/>.</summary>
    public string WeightMatMul(string x, string name, float scale, params long[] dims) => HalfMatMuls
        ? this.Cast(this.MatMul(this.Cast(x, Float16), HalfParameter(name, scale, dims)), Float)
        : this.MatMul(x, Parameter(name, scale, dims));

    /// <summary>A learned weight stored and used as fp16 (no cast: for fp16 arithmetic).</summary>
    public string HalfParameter(string name, float scale, params long[] dims) => Store(name, _weights(name, dims, WeightInit.Normal, scale), dims, Float16);

    private string Store(string name, float[] data, long[] dims, int elementType)
    {
        byte[] bytes;
        if (elementType == Float16)
        {
            bytes = new byte[data.Length * 2];
            var halves = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(bytes.AsSpan());
            for (var i = 0; i < data.Length; i++)
            {
                halves[i] = (Half)data[i];
            }
        }
        else
        {
            bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
        }

        if (_inline)
        {
            var inline = new TensorProto { Name = name, DataType = elementType, RawData = ByteString.CopyFrom(bytes) };
            inline.Dims.AddRange(dims);
            _graph.Initializer.Add(inline);
            return name;
        }

        var offset = _external.Position;
        _external.Write(bytes);
        if (_dataPath is not null && WeightWritten is { } written)
        {
            _external.Flush(); // whoever is told may read it back at once
            written(new ExternalWeight(name, dims, elementType, _dataPath, offset, bytes.Length));
        }

        var tensor = new TensorProto { Name = name, DataType = elementType, DataLocation = TensorProto.Types.DataLocation.External };
        tensor.Dims.AddRange(dims);
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = _name + ".onnx.data" });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A small int64 constant kept inside the graph.</summary>
    public string Int64Constant(long[] values, params long[] dims)
    {
        var name = $"const_i64_{_counter++}";
        var tensor = new TensorProto { Name = name, DataType = Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        _graph.Initializer.Add(tensor);
        return name;
    }

    public string Int64Vector(params long[] values) => Int64Constant(values, values.Length);

    public string Int64Scalar(long value) => Int64Constant([value]);

    public string FloatScalar(float value)
    {
        var name = $"const_f32_{_counter++}";
        var tensor = new TensorProto { Name = name, DataType = Float };
        tensor.FloatData.Add(value);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>
    /// Fewer nodes for the same values (the engine's own graphs; the miniature keeps the export-like form): RMSNorm in the
    /// pattern ONNX Runtime fuses into one node. A run's cost at small widths is mostly per node.
    /// </summary>
    public bool Compact { get; init; }


    /// <summary>What the model says it is (the miniature says it makes noise).</summary>
    public string DocString { get; init; } = "Built by QwenTts.";

    /// <summary>
    /// Writes <c>{name}.onnx</c> and <c>{name}.onnx.data</c> into the folder (the data file is already there when the
    /// builder was given this folder, and is closed here).
    /// </summary>
    public void Save(string directory)
    {
        using (var file = File.Create(Path.Combine(directory, _name + ".onnx")))
        {
            Model().WriteTo(file);
        }

        var dataPath = Path.Combine(directory, _name + ".onnx.data");
        if (_dataPath is null)
        {
            File.WriteAllBytes(dataPath, ((MemoryStream)_external).ToArray());
        }
        else if (Path.GetFullPath(_dataPath) == Path.GetFullPath(dataPath))
        {
            _external.Dispose();
        }
        else
        {
            throw new InvalidOperationException($"Graph '{_name}' streams its weights to {_dataPath}: save it in that folder, not {directory}.");
        }
    }

    public void Dispose() => _external.Dispose();

    /// <summary>The serialized model, for a builder with inline weights (loaded straight into a session).</summary>
    public byte[] ToBytes() => _inline
        ? Model().ToByteArray()
        : throw new InvalidOperationException("A graph with external weights is saved to a folder, not serialized alone.");

    private ModelProto Model()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "qwentts", ProducerVersion = "1", DocString = DocString, Graph = _graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        if (_usesMicrosoftDomain)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MicrosoftDomain, Version = 1 });
        }
        return model;
    }

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto FloatAttribute(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto TensorAttribute(string name, float value)
    {
        var tensor = new TensorProto { DataType = Float };
        tensor.Dims.Add(1);
        tensor.FloatData.Add(value);
        return new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = tensor };
    }

    private static ValueInfoProto ValueInfo(string name, int elementType, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
        {
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) },
            });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } },
        };
    }
}
