using System.Globalization;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;

namespace QwenTts.Engine.Runtime;

/// <summary>What one graph declares against what the engine needs: its precision and every mismatch found.</summary>
public sealed record GraphCheck(string Graph, string Path, TensorFloatType? Precision, IReadOnlyList<string> Mismatches)
{
    public bool Ok => Mismatches.Count == 0;

    public string PrecisionName => Precision switch
    {
        TensorFloatType.Float16 => "fp16",
        TensorFloatType.Float32 => "fp32",
        _ => "-",
    };
}

/// <summary>
/// Reads a loaded graph's inputs and outputs and checks them against the contract. Every mismatch is listed, each
/// naming the graph, the tensor, what was expected and what was found; nothing stops at the first.
/// </summary>
public static class GraphValidator
{
    public static GraphCheck Check(InferenceSession session, GraphContract contract, string path)
    {
        var mismatches = new List<string>();
        var precision = Precision(session, contract);
        Check(contract.Graph, "input", session.InputMetadata, contract.Inputs, precision, mismatches);
        Check(contract.Graph, "output", session.OutputMetadata, contract.Outputs, precision, mismatches);
        return new GraphCheck(contract.Graph, path, precision, mismatches);
    }

    /// <summary>The graph's float type: that of its first model-float tensor, which all the others must share.</summary>
    private static TensorFloatType? Precision(InferenceSession session, GraphContract contract)
    {
        var declared = contract.Inputs.Select(tensor => (Tensor: tensor, Metadata: session.InputMetadata))
            .Concat(contract.Outputs.Select(tensor => (Tensor: tensor, Metadata: session.OutputMetadata)));
        var first = declared
            .Where(d => d.Tensor.Kind is ElementKind.ModelFloat or ElementKind.AnyFloat)
            .Select(d => d.Metadata.TryGetValue(d.Tensor.Name, out var metadata) && metadata.IsTensor ? metadata.ElementDataType : default)
            .FirstOrDefault(type => type is TensorElementType.Float or TensorElementType.Float16);
        return first switch
        {
            TensorElementType.Float16 => TensorFloatType.Float16,
            TensorElementType.Float => TensorFloatType.Float32,
            _ => null,
        };
    }

    private static void Check(string graph, string direction, IReadOnlyDictionary<string, NodeMetadata> actual,
        IReadOnlyList<TensorContract> expected, TensorFloatType? precision, List<string> mismatches)
    {
        foreach (var tensor in expected)
        {
            var where = $"Graph '{graph}' {direction} '{tensor.Name}'";
            if (!actual.TryGetValue(tensor.Name, out var metadata))
            {
                mismatches.Add($"Graph '{graph}' has no {direction} '{tensor.Name}' (it has: {string.Join(", ", actual.Keys)}).");
                continue;
            }

            if (!metadata.IsTensor)
            {
                mismatches.Add($"{where} is not a tensor.");
                continue;
            }

            var type = metadata.ElementDataType;
            var graphFloat = precision == TensorFloatType.Float16 ? TensorElementType.Float16 : TensorElementType.Float;
            var typeOk = tensor.Kind switch
            {
                ElementKind.Int64 => type == TensorElementType.Int64,
                ElementKind.ModelFloat => type == graphFloat,
                ElementKind.AnyFloat => type is TensorElementType.Float or TensorElementType.Float16,
                _ => false,
            };
            if (!typeOk)
            {
                var wanted = tensor.Kind switch
                {
                    ElementKind.ModelFloat => $"{graphFloat} like the graph's other float tensors",
                    ElementKind.AnyFloat => "Float or Float16",
                    _ => tensor.Kind.ToString(),
                };
                mismatches.Add($"{where} has element type {type}, expected {wanted}.");
            }

            var dims = metadata.Dimensions;
            if (!Matches(dims, tensor.Dims) && (tensor.AlsoDims is null || !Matches(dims, tensor.AlsoDims)))
            {
                var also = tensor.AlsoDims is null ? "" : $" or [{Describe(tensor.AlsoDims)}]";
                mismatches.Add($"{where} has shape [{string.Join(",", dims)}], expected [{Describe(tensor.Dims)}]{also}.");
            }
        }
    }

    /// <summary>Same rank, and every fixed expectation met by a fixed dimension; a symbolic (-1) dimension is accepted.</summary>
    private static bool Matches(int[] dims, IReadOnlyList<long> expected) =>
        dims.Length == expected.Count && dims.Select((d, i) => expected[i] <= 0 || d <= 0 || d == expected[i]).All(ok => ok);

    private static string Describe(IReadOnlyList<long> dims) =>
        string.Join(",", dims.Select(d => d > 0 ? d.ToString(CultureInfo.InvariantCulture) : "?"));
}
