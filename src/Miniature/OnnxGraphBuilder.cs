using Google.Protobuf;
using Onnx;
using QwenTts.Engine.Sampling;

namespace QwenTts.Miniature;

/// <summary>
/// A small vocabulary for writing ONNX graphs (opset 17): named inputs and outputs, nodes, and weights that go to
/// one external <c>.onnx.data</c> file beside the graph, as in the public export.
/// </summary>
public sealed class OnnxGraphBuilder
{
    public const int Opset = 17;

    private readonly GraphProto _graph;
    private readonly string _name;
    private readonly string _weightScope;
    private readonly ulong _seed;
    private readonly MemoryStream _weights = new();
    private int _counter;

    /// <param name="weightScope">Graphs sharing a scope draw identical weights for equal names (talker prefill and decode).</param>
    public OnnxGraphBuilder(string name, ulong seed, string? weightScope = null)
    {
        _name = name;
        _weightScope = weightScope ?? name;
        _seed = seed;
        _graph = new GraphProto { Name = name };
    }

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

    /// <summary>A weight drawn from N(0, scale²), deterministic for (seed, graph, name).</summary>
    public string RandomWeight(string name, float scale, params long[] dims)
    {
        var random = Xoshiro256.ForStream(_seed, _weightScope + "/" + name);
        var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextGaussian() * scale);
        }

        return Weight(name, data, dims);
    }

    public string ConstantWeight(string name, float value, params long[] dims)
    {
        var data = new float[dims.Aggregate(1L, (a, b) => a * b)];
        Array.Fill(data, value);
        return Weight(name, data, dims);
    }

    /// <summary>A float weight stored in the external data file.</summary>
    public string Weight(string name, float[] data, params long[] dims)
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan());
        var offset = _weights.Position;
        _weights.Write(bytes);
        var tensor = new TensorProto { Name = name, DataType = Float, DataLocation = TensorProto.Types.DataLocation.External };
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

    /// <summary>Writes <c>{name}.onnx</c> and <c>{name}.onnx.data</c> into the folder.</summary>
    public void Save(string directory)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "qwentts-miniature",
            ProducerVersion = "1",
            DocString = "QwenTts miniature: a scale model of the Qwen3-TTS graph layout with random weights. It makes noise, not speech.",
            Graph = _graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        using (var file = File.Create(Path.Combine(directory, _name + ".onnx")))
        {
            model.WriteTo(file);
        }

        File.WriteAllBytes(Path.Combine(directory, _name + ".onnx.data"), _weights.ToArray());
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
