using QwenTts.Engine.Model;
using QwenTts.Graphs;

namespace QwenTts.Engine.Acceleration;

/// <summary>The model's own weights from its HF folder, in the layouts the engine's graphs and host lookups use.</summary>
public sealed class CheckpointWeights(SafetensorsFile file, ModelManifest manifest)
{
    public SafetensorsFile File { get; } = file;

    /// <summary>Weights of the code-predictor graph by graph name (Linear weights transposed, the 15 heads stacked).</summary>
    public WeightSource Predictor => (name, dims, _, _) =>
    {
        if (name == OfficialWeights.StackedHeads)
        {
            var (hidden, vocab) = (dims[1], dims[2]);
            var stacked = new float[dims[0] * hidden * vocab];
            for (var j = 0; j < dims[0]; j++)
            {
                var head = File.ReadFloats(OfficialWeights.PredictorHead(j), vocab, hidden);
                OfficialWeights.Transpose(head, vocab, hidden).CopyTo(stacked, j * hidden * vocab);
            }

            return stacked;
        }

        return Read(OfficialWeights.PredictorTensor(name), name, dims);
    };

    /// <summary>Weights of the static-shape talker graph by graph name.</summary>
    public WeightSource Talker => (name, dims, _, _) => Read(OfficialWeights.TalkerTensor(name), name, dims);

    /// <summary>True when the checkpoint has a codec_head bias (only the miniature's does).</summary>
    public bool HasTalkerHeadBias => File.Contains(OfficialWeights.TalkerHeadBias);

    private float[] Read((string Name, bool Transposed)? tensor, string graphName, long[] dims)
    {
        var (official, transposed) = tensor
            ?? throw new ModelValidationException($"A graph built from the checkpoint needs weight '{graphName}', which has no checkpoint name.");
        return transposed
            ? OfficialWeights.Transpose(File.ReadFloats(official, dims[1], dims[0]), dims[1], dims[0])
            : File.ReadFloats(official, dims);
    }

    /// <summary>codec_embedding [3072, hidden].</summary>
    public float[] CodecTable() => File.ReadFloats(OfficialWeights.CodecEmbedding, manifest.Talker.CodecVocab, manifest.Talker.Hidden);

    /// <summary>The 15 code-predictor embedding tables, each [2048, talker hidden].</summary>
    public float[][] PredictorTables() => Enumerable.Range(0, manifest.Codec.Codebooks - 1)
        .Select(j => File.ReadFloats(OfficialWeights.PredictorEmbedding(j), manifest.Codec.CodebookSize, manifest.Talker.Hidden))
        .ToArray();
}
