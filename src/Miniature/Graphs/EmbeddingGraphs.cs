using QwenTts.Graphs;

namespace QwenTts.Miniature.Graphs;

/// <summary>text_project, codec_embed and code_predictor_embed: the three embedding lookups of the talker.</summary>
public static class EmbeddingGraphs
{
    /// <summary>input_ids [1,S] -> text_embedding (151936 rows) -> Linear -> SiLU -> Linear -> text_embed [1,S,H].</summary>
    public static OnnxGraphBuilder TextProject(GraphContext c)
    {
        var g = c.NewGraph(Engine.Model.GraphNames.TextProject);
        var ids = g.Input("input_ids", OnnxGraphBuilder.Int64, 1, "S");
        var embedded = g.Gather(g.Parameter("text_embedding.weight", 1f, c.Manifest.Talker.TextVocab, c.Spec.TextHidden), ids);
        var hidden = g.Silu(g.Linear(embedded, "text_projection.linear_fc1", c.Spec.TextHidden, c.Spec.TextHidden, bias: true));
        var projected = g.Linear(hidden, "text_projection.linear_fc2", c.Spec.TextHidden, c.Spec.Talker.Hidden, bias: true);
        c.FloatOutput(g, projected, "text_embed", 1, "S", c.Spec.Talker.Hidden);
        return g;
    }

    /// <summary>token_ids [1,S] -> codec_embedding (3072 rows) -> embed [1,S,H].</summary>
    public static OnnxGraphBuilder CodecEmbed(GraphContext c)
    {
        var g = c.NewGraph(Engine.Model.GraphNames.CodecEmbed);
        var ids = g.Input("token_ids", OnnxGraphBuilder.Int64, 1, "S");
        var embedded = g.Gather(g.Parameter("codec_embedding.weight", 1f, c.Manifest.Talker.CodecVocab, c.Spec.Talker.Hidden), ids);
        c.FloatOutput(g, embedded, "embed", 1, "S", c.Spec.Talker.Hidden);
        return g;
    }

    /// <summary>token_id [1,S], layer_idx (0..14) -> the code predictor's embedding table of that codebook -> [1,S,H].</summary>
    public static OnnxGraphBuilder CodePredictorEmbed(GraphContext c)
    {
        var g = c.NewGraph(Engine.Model.GraphNames.CodePredictorEmbed);
        var ids = g.Input("token_id", OnnxGraphBuilder.Int64, 1, "S");
        var layer = g.Input("layer_idx", OnnxGraphBuilder.Int64);
        var codec = c.Manifest.Codec;
        var tables = g.Parameter("code_predictor.embeddings", 1f, codec.Codebooks - 1, codec.CodebookSize, c.Spec.Talker.Hidden);
        var embedded = g.Gather(g.Gather(tables, layer), ids);
        c.FloatOutput(g, embedded, "embed", 1, "S", c.Spec.Talker.Hidden);
        return g;
    }
}
