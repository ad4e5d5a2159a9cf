using QwenTts.Engine.Model;

namespace QwenTts.Miniature;

/// <summary>
/// Writes the HF folder's <c>model.safetensors</c> with the weights the miniature's graphs hold, under the official
/// checkpoint names and layouts (<see cref="OfficialWeights"/>): the code predictor, its 15 embedding tables and the
/// talker's codec embedding, the tensors the engine reads to build its cached predictor and host lookups.
/// </summary>
public static class CheckpointWriter
{
    public const string FileName = "model.safetensors";

    public static void Write(string hfDirectory, RandomWeights weights, ModelManifest manifest, float eosBias, string dtype = "F32")
    {
        var headBias = new float[manifest.Talker.CodecVocab];
        headBias[manifest.CodecIds.Eos] = eosBias;
        var tensors = new List<(string, float[], long[])> { (OfficialWeights.TalkerHeadBias, headBias, [manifest.Talker.CodecVocab]) };
        foreach (var (key, (data, dims)) in weights.Drawn.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var (scope, name) = (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]);
            switch (scope, name)
            {
                case (GraphNames.CodecEmbed, "codec_embedding.weight"):
                    tensors.Add((OfficialWeights.CodecEmbedding, data, dims));
                    break;
                case (GraphNames.CodePredictorEmbed, OfficialWeights.StackedEmbeddings):
                    tensors.AddRange(Unstack(data, dims, transpose: false, OfficialWeights.PredictorEmbedding));
                    break;
                case (GraphNames.CodePredictor, OfficialWeights.StackedHeads):
                    tensors.AddRange(Unstack(data, dims, transpose: true, OfficialWeights.PredictorHead));
                    break;
                case (GraphNames.CodePredictor, _) when OfficialWeights.PredictorTensor(name) is { } tensor:
                    tensors.Add(Official(tensor, data, dims));
                    break;
                case (Graphs.TalkerGraphs.WeightScope, _) when OfficialWeights.TalkerTensor(name) is { } tensor:
                    tensors.Add(Official(tensor, data, dims));
                    break;
            }
        }

        SafetensorsWriter.Write(Path.Combine(hfDirectory, FileName), tensors, dtype);
    }

    private static (string, float[], long[]) Official((string Name, bool Transposed) tensor, float[] data, long[] dims) => tensor.Transposed
        ? (tensor.Name, OfficialWeights.Transpose(data, dims[0], dims[1]), [dims[1], dims[0]])
        : (tensor.Name, data, dims);

    /// <summary>[n, rows, columns] into n tensors of [rows, columns] (or [columns, rows] transposed).</summary>
    private static IEnumerable<(string, float[], long[])> Unstack(float[] data, long[] dims, bool transpose, Func<int, string> name)
    {
        var (rows, columns) = (dims[1], dims[2]);
        for (var i = 0; i < dims[0]; i++)
        {
            var slice = data.AsSpan((int)(i * rows * columns), (int)(rows * columns)).ToArray();
            yield return transpose
                ? (name(i), OfficialWeights.Transpose(slice, rows, columns), [columns, rows])
                : (name(i), slice, [rows, columns]);
        }
    }
}
