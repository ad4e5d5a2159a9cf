namespace QwenTts.Engine.Model;

/// <summary>Graph names of the public Qwen3-TTS ONNX layout the engine reads.</summary>
public static class GraphNames
{
    public const string TextProject = "text_project";
    public const string CodecEmbed = "codec_embed";
    public const string CodePredictorEmbed = "code_predictor_embed";
    public const string TalkerPrefill = "talker_prefill";
    public const string TalkerDecode = "talker_decode";
    public const string CodePredictor = "code_predictor";
    public const string SpeakerEncoder = "speaker_encoder";
    public const string CodecEncode = "tokenizer12hz_encode";
    public const string CodecDecodeChunk = "tokenizer12hz_decode_chunk";

    /// <summary>Graphs every synthesis needs.</summary>
    public static readonly string[] Required =
        [TextProject, CodecEmbed, CodePredictorEmbed, TalkerPrefill, TalkerDecode, CodePredictor, CodecDecodeChunk];

    public static readonly string[] All =
        [TextProject, CodecEmbed, CodePredictorEmbed, TalkerPrefill, TalkerDecode, CodePredictor, SpeakerEncoder, CodecEncode, CodecDecodeChunk];

    /// <summary>Graphs only the Base model's voice cloning needs.</summary>
    public static readonly string[] CloneOnly = [SpeakerEncoder, CodecEncode];
}
