namespace QwenTts.Engine.Pipeline;

/// <summary>The talker: prompt prefill, then one frame at a time over its KV cache. One instance per utterance.</summary>
public interface ITalker : IDisposable
{
    /// <summary>Runs the whole prompt (rows of hidden-width embeddings); writes c0 logits and the last hidden state.</summary>
    void Prefill(float[] embeds, int rows, float[] logits, float[] lastHidden);

    /// <summary>Feeds one summed frame embedding; writes c0 logits and the new last hidden state.</summary>
    void Decode(float[] embed, float[] logits, float[] lastHidden);
}

/// <summary>The code predictor: logits of codebook step+1 given the context rows [h, c0, c1..c_step].</summary>
public interface ICodePredictor : IDisposable
{
    void Logits(float[] context, int rows, int step, float[] logits);
}

/// <summary>The embedding lookups: text_project, codec_embed and code_predictor_embed.</summary>
public interface IEmbeddings : IDisposable
{
    /// <summary>Projected text embeddings of each id, row after row, into destination from offset.</summary>
    void Text(IReadOnlyList<int> ids, float[] destination, int offset);

    /// <summary>Codec embeddings of each id, row after row.</summary>
    void Codec(IReadOnlyList<int> ids, float[] destination, int offset);

    /// <summary>Embedding of code <paramref name="code"/> of codebook layer+1 (layer 0..14).</summary>
    void PredictorCode(int code, int layer, float[] destination, int offset);

    /// <summary>Embeddings of several codes of the same codebook layer+1, row after row.</summary>
    void PredictorCodes(IReadOnlyList<int> codes, int layer, float[] destination, int offset);
}

/// <summary>The chunk decoder of the speech tokenizer.</summary>
public interface ICodecDecoder : IDisposable
{
    /// <summary>Decodes frames [0, frames) of codes ([frames][16] flattened), the first contextFrames only as context.</summary>
    float[] Decode(long[] codes, int frames, int contextFrames);
}
