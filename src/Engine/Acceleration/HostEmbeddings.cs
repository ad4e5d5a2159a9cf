using QwenTts.Engine.Pipeline;

namespace QwenTts.Engine.Acceleration;

/// <summary>
/// codec_embed and code_predictor_embed as what they are, tables: rows copied on the host, no graph run. Text still
/// goes through text_project (an MLP, not a table), by the inner lookups.
/// </summary>
internal sealed class HostEmbeddings(IEmbeddings text, EmbeddingTables tables) : IEmbeddings
{
    public void Text(IReadOnlyList<int> ids, float[] destination, int offset) => text.Text(ids, destination, offset);

    public void Codec(IReadOnlyList<int> ids, float[] destination, int offset)
    {
        for (var i = 0; i < ids.Count; i++)
        {
            tables.CodecRow(ids[i]).CopyTo(destination.AsSpan(offset + (i * tables.Hidden)));
        }
    }

    public void PredictorCode(int code, int layer, float[] destination, int offset) =>
        tables.PredictorRow(layer, code).CopyTo(destination.AsSpan(offset));

    public void PredictorCodes(IReadOnlyList<int> codes, int layer, float[] destination, int offset)
    {
        for (var i = 0; i < codes.Count; i++)
        {
            tables.PredictorRow(layer, codes[i]).CopyTo(destination.AsSpan(offset + (i * tables.Hidden)));
        }
    }

    public void Dispose() => text.Dispose();
}

/// <summary>The talker's codec embedding and the 15 code-predictor embeddings, read once per card.</summary>
public sealed class EmbeddingTables(float[] codec, float[][] predictor, int hidden)
{
    public int Hidden { get; } = hidden;

    public ReadOnlySpan<float> CodecRow(int id) => codec.AsSpan(id * Hidden, Hidden);

    public ReadOnlySpan<float> PredictorRow(int layer, int code) => predictor[layer].AsSpan(code * Hidden, Hidden);
}
