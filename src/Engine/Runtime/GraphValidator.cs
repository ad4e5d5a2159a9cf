using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenTts.Engine.Model;

namespace QwenTts.Engine.Runtime;

/// <summary>Checks a loaded graph's inputs and outputs against the contract; the error names the graph and tensor.</summary>
public static class GraphValidator
{
    public static void Validate(InferenceSession session, GraphContract contract, TensorFloatType modelFloat)
    {
        Check(contract.Graph, "input", session.InputMetadata, contract.Inputs, modelFloat);
        Check(contract.Graph, "output", session.OutputMetadata, contract.Outputs, modelFloat);
    }

    private static void Check(string graph, string direction, IReadOnlyDictionary<string, NodeMetadata> actual,
        IReadOnlyList<TensorContract> expected, TensorFloatType modelFloat)
    {
        foreach (var tensor in expected)
        {
            if (!actual.TryGetValue(tensor.Name, out var metadata))
            {
                throw new ModelValidationException(
                    $"Graph '{graph}' has no {direction} '{tensor.Name}' (it has: {string.Join(", ", actual.Keys)}).");
            }

            if (!metadata.IsTensor)
            {
                throw new ModelValidationException($"Graph '{graph}' {direction} '{tensor.Name}' is not a tensor.");
            }

            var type = metadata.ElementDataType;
            var typeOk = tensor.Kind switch
            {
                ElementKind.Int64 => type == TensorElementType.Int64,
                ElementKind.ModelFloat => type == (modelFloat == TensorFloatType.Float16 ? TensorElementType.Float16 : TensorElementType.Float),
                ElementKind.AnyFloat => type is TensorElementType.Float or TensorElementType.Float16,
                _ => false,
            };
            if (!typeOk)
            {
                var wanted = tensor.Kind == ElementKind.ModelFloat ? modelFloat.ToString() : tensor.Kind.ToString();
                throw new ModelValidationException(
                    $"Graph '{graph}' {direction} '{tensor.Name}' has element type {type}, expected {wanted}.");
            }

            var dims = metadata.Dimensions;
            if (dims.Length != tensor.Dims.Count)
            {
                throw new ModelValidationException(
                    $"Graph '{graph}' {direction} '{tensor.Name}' has rank {dims.Length} [{string.Join(",", dims)}], expected rank {tensor.Dims.Count} [{Describe(tensor.Dims)}].");
            }

            for (var i = 0; i < dims.Length; i++)
            {
                // A fixed expectation must match a fixed dimension; a symbolic (-1) dimension is accepted.
                if (tensor.Dims[i] > 0 && dims[i] > 0 && dims[i] != tensor.Dims[i])
                {
                    throw new ModelValidationException(
                        $"Graph '{graph}' {direction} '{tensor.Name}' has dimension {i} = {dims[i]}, expected {tensor.Dims[i]} " +
                        $"(shape [{string.Join(",", dims)}] vs [{Describe(tensor.Dims)}]). Does model.json describe this export?");
                }
            }
        }
    }

    private static string Describe(IReadOnlyList<long> dims) => string.Join(",", dims.Select(d => d > 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture) : "?"));
}
