using System.Text.RegularExpressions;

namespace QwenTts.Engine.Model;

/// <summary>
/// The official checkpoint's tensor names (qwen_tts modeling code: <c>talker.model.codec_embedding</c>,
/// <c>talker.code_predictor.*</c>) against the names and layouts the graphs use. Linear weights are [out, in] in the
/// checkpoint and [in, out] in a graph (x · W); the 15 predictor heads and embeddings are separate tensors in the
/// checkpoint and one stacked tensor in a graph. The miniature writes its safetensors through this table and the
/// engine reads them back through it, so both agree on every name.
/// </summary>
public static partial class OfficialWeights
{
    public const string CodecEmbedding = "talker.model.codec_embedding.weight";
    public const string TalkerPrefix = "talker.";
    public const string PredictorPrefix = "talker.code_predictor.";

    /// <summary>Not in the release: the miniature's codec_head bias (it keeps random weights from choosing EOS).</summary>
    public const string TalkerHeadBias = "talker.codec_head.bias";

    /// <summary>Graph name of the stacked predictor heads [15, hidden, 2048].</summary>
    public const string StackedHeads = "lm_head";

    /// <summary>Graph name (in code_predictor_embed) of the stacked predictor embeddings [15, 2048, talker hidden].</summary>
    public const string StackedEmbeddings = "code_predictor.embeddings";

    public static string PredictorHead(int codebook) => $"{PredictorPrefix}lm_head.{codebook}.weight";

    public static string PredictorEmbedding(int codebook) => $"{PredictorPrefix}model.codec_embedding.{codebook}.weight";

    /// <summary>The checkpoint name of a talker graph weight and whether it is stored transposed; null if unknown.</summary>
    public static (string Name, bool Transposed)? TalkerTensor(string graphName) => graphName switch
    {
        "codec_head.weight" => (TalkerPrefix + graphName, true),
        "codec_head.bias" => (TalkerHeadBias, false),
        _ => LayerTensor(TalkerPrefix, graphName),
    };

    /// <summary>The checkpoint name of a code-predictor graph weight and whether it is stored transposed; null if unknown.</summary>
    public static (string Name, bool Transposed)? PredictorTensor(string graphName) => graphName switch
    {
        "small_to_mtp_projection.weight" => (PredictorPrefix + graphName, true),
        "small_to_mtp_projection.bias" => (PredictorPrefix + graphName, false),
        _ => LayerTensor(PredictorPrefix, graphName),
    };

    /// <summary>A decoder stack's norm and layer weights under <paramref name="prefix"/> + "model.".</summary>
    private static (string Name, bool Transposed)? LayerTensor(string prefix, string graphName)
    {
        if (graphName == "norm.weight")
        {
            return (prefix + "model.norm.weight", false);
        }

        var match = LayerWeight().Match(graphName);
        if (!match.Success)
        {
            return null;
        }

        var (layer, part) = (match.Groups[1].Value, match.Groups[2].Value);
        return part switch
        {
            "q_proj" or "k_proj" or "v_proj" or "o_proj" => ($"{prefix}model.layers.{layer}.self_attn.{part}.weight", true),
            "q_norm" or "k_norm" => ($"{prefix}model.layers.{layer}.self_attn.{part}.weight", false),
            "input_layernorm" or "post_attention_layernorm" => ($"{prefix}model.layers.{layer}.{part}.weight", false),
            "mlp.gate_proj" or "mlp.up_proj" or "mlp.down_proj" => ($"{prefix}model.layers.{layer}.{part}.weight", true),
            _ => null,
        };
    }

    /// <summary>Rows x columns to columns x rows.</summary>
    public static float[] Transpose(float[] data, long rows, long columns)
    {
        var result = new float[data.Length];
        for (long r = 0; r < rows; r++)
        {
            for (long c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = data[(r * columns) + c];
            }
        }

        return result;
    }

    [GeneratedRegex(@"^layers\.(\d+)\.(q_proj|k_proj|v_proj|o_proj|q_norm|k_norm|input_layernorm|post_attention_layernorm|mlp\.gate_proj|mlp\.up_proj|mlp\.down_proj)\.weight$")]
    private static partial Regex LayerWeight();
}
