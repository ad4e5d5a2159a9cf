using QwenTts.Engine.Model;
using QwenTts.Graphs;

namespace QwenTts.Miniature;

/// <summary>
/// Writes the HF folder's <c>model.safetensors</c> with the weights the miniature's graphs hold, under the official
/// checkpoint names and layouts (<see cref="OfficialWeights"/>): the talker, the code predictor, its 15 embedding tables
/// and the talker's codec embedding, the tensors the engine reads to build its own graphs and host lookups. Each tensor is
/// read back from the graph file it was written to, in the precision stored there (F16 from an fp16 graph), one at a time.
/// </summary>
public static class CheckpointWriter
{
    public const string FileName = "model.safetensors";

    public static void Write(string hfDirectory, RandomWeights weights, ModelManifest manifest, float eosBias)
    {
        var headBias = new float[manifest.Talker.CodecVocab];
        headBias[manifest.CodecIds.Eos] = eosBias;
        var tensors = new List<PendingTensor> { new(OfficialWeights.TalkerHeadBias, "F32", [manifest.Talker.CodecVocab], () => headBias) };
        foreach (var (key, weight) in weights.Written.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            var (scope, name) = (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]);
            switch (scope, name)
            {
                case (GraphNames.CodecEmbed, "codec_embedding.weight"):
                    tensors.Add(Official((OfficialWeights.CodecEmbedding, false), weight));
                    break;
                case (GraphNames.CodePredictorEmbed, OfficialWeights.StackedEmbeddings):
                    tensors.AddRange(Unstack(weight, transpose: false, OfficialWeights.PredictorEmbedding));
                    break;
                case (GraphNames.CodePredictor, OfficialWeights.StackedHeads):
                    tensors.AddRange(Unstack(weight, transpose: true, OfficialWeights.PredictorHead));
                    break;
                case (GraphNames.CodePredictor, _) when OfficialWeights.PredictorTensor(name) is { } tensor:
                    tensors.Add(Official(tensor, weight));
                    break;
                case (Graphs.TalkerGraphs.WeightScope, _) when OfficialWeights.TalkerTensor(name) is { } tensor:
                    tensors.Add(Official(tensor, weight));
                    break;
            }
        }

        SafetensorsWriter.Write(Path.Combine(hfDirectory, FileName), tensors);
    }

    private static string Dtype(ExternalWeight weight) => weight.ElementType == OnnxGraphBuilder.Float16 ? "F16" : "F32";

    private static PendingTensor Official((string Name, bool Transposed) tensor, ExternalWeight weight)
    {
        var dims = weight.Dims;
        return tensor.Transposed
            ? new(tensor.Name, Dtype(weight), [dims[1], dims[0]], () => OfficialWeights.Transpose(RandomWeights.Read(weight), dims[0], dims[1]))
            : new(tensor.Name, Dtype(weight), dims, () => RandomWeights.Read(weight));
    }

    /// <summary>[n, rows, columns] into n tensors of [rows, columns] (or [columns, rows] transposed).</summary>
    private static IEnumerable<PendingTensor> Unstack(ExternalWeight weight, bool transpose, Func<int, string> name)
    {
        var (rows, columns) = (weight.Dims[1], weight.Dims[2]);
        for (var i = 0; i < weight.Dims[0]; i++)
        {
            var start = i * rows * columns;
            yield return transpose
                ? new(name(i), Dtype(weight), [columns, rows], () => OfficialWeights.Transpose(RandomWeights.Read(weight, start, rows * columns), rows, columns))
                : new(name(i), Dtype(weight), [rows, columns], () => RandomWeights.Read(weight, start, rows * columns));
        }
    }
}
