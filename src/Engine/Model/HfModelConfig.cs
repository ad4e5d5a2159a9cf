using System.Text.Json;
using System.Text.Json.Nodes;

namespace QwenTts.Engine.Model;

/// <summary>
/// Reads the official Hugging Face model folder a real installation has beside its export: <c>config.json</c>
/// (special ids, widths, languages, speakers), <c>generation_config.json</c> (sampling defaults, max_new_tokens) and
/// <c>speech_tokenizer/config.json</c> (sample rate, samples a frame). Nothing here is hard-coded: a field the files
/// lack keeps the release's value, and the list of such fields is kept so model-check can say so.
/// </summary>
public sealed class HfModelConfig
{
    public const string ConfigFile = "config.json";
    public const string GenerationFile = "generation_config.json";
    public const string SpeechTokenizerConfig = "speech_tokenizer/config.json";

    private readonly List<string> _defaulted = [];

    private HfModelConfig(string directory) => Directory = directory;

    public string Directory { get; }

    /// <summary>Fields read from none of the files (the release's value was used).</summary>
    public IReadOnlyList<string> Defaulted => _defaulted;

    public ModelVariant Variant { get; private set; }

    public TalkerShape Talker { get; private set; } = null!;

    public DecoderShape? CodePredictor { get; private set; }

    public DecoderShape? TalkerDecoder { get; private set; }

    public CodecShape Codec { get; private set; } = null!;

    public TextIds TextIds { get; private set; } = null!;

    public CodecIds CodecIds { get; private set; } = null!;

    public IReadOnlyDictionary<string, int> Languages { get; private set; } = null!;

    public IReadOnlyDictionary<string, PresetSpeaker> Speakers { get; private set; } = null!;

    public GenerationDefaults Generation { get; private set; } = null!;

    /// <summary>True when <paramref name="directory"/> holds a config.json of a Qwen3-TTS model.</summary>
    public static bool IsHfFolder(string directory) =>
        File.Exists(Path.Combine(directory, ConfigFile)) && File.ReadAllText(Path.Combine(directory, ConfigFile)).Contains("talker_config", StringComparison.Ordinal);

    public static HfModelConfig Read(string directory)
    {
        var config = new HfModelConfig(directory);
        var root = Parse(directory, ConfigFile, required: true)!;
        var talker = root["talker_config"] as JsonObject
            ?? throw new ModelValidationException($"{Path.Combine(directory, ConfigFile)} has no talker_config: is this a Qwen3-TTS model folder?");
        var generation = Parse(directory, GenerationFile, required: false);
        var codec = Parse(directory, SpeechTokenizerConfig, required: false);
        if (generation is null)
        {
            config._defaulted.Add(GenerationFile);
        }

        if (codec is null)
        {
            config._defaulted.Add(SpeechTokenizerConfig);
        }

        config.Read(root, talker, generation, codec);
        return config;
    }

    private void Read(JsonObject root, JsonObject talker, JsonObject? generation, JsonObject? codec)
    {
        Variant = Str(root, "tts_model_type", "voice_design") switch
        {
            "base" => ModelVariant.Base,
            "custom_voice" => ModelVariant.CustomVoice,
            "voice_design" => ModelVariant.VoiceDesign,
            var other => throw new ModelValidationException($"config.json: tts_model_type '{other}' is not base, custom_voice or voice_design."),
        };

        var defaultsShape = new TalkerShape { Hidden = 2048, Layers = 28 };
        Talker = new TalkerShape
        {
            Hidden = Int(talker, "hidden_size", defaultsShape.Hidden),
            Layers = Int(talker, "num_hidden_layers", defaultsShape.Layers),
            KvHeads = Int(talker, "num_key_value_heads", defaultsShape.KvHeads),
            HeadDim = Int(talker, "head_dim", defaultsShape.HeadDim),
            CodecVocab = Int(talker, "vocab_size", defaultsShape.CodecVocab),
            TextVocab = Int(talker, "text_vocab_size", defaultsShape.TextVocab),
        };

        var codecDefaults = new CodecShape();
        var predictor = talker["code_predictor_config"] as JsonObject;
        CodePredictor = predictor is null ? null : ReadDecoder(predictor, new DecoderShape { Hidden = 1024, Layers = 5 }, "code_predictor_config.");
        TalkerDecoder = ReadDecoder(talker, new DecoderShape { Hidden = 2048, Layers = 28, Mlp = 6144 }, "talker_config.");
        Codec = new CodecShape
        {
            Codebooks = Int(talker, "num_code_groups", codecDefaults.Codebooks),
            CodebookSize = predictor is null ? codecDefaults.CodebookSize : Int(predictor, "vocab_size", codecDefaults.CodebookSize),
            SampleRate = codec is null ? codecDefaults.SampleRate : Int(codec, "output_sample_rate", codecDefaults.SampleRate),
            SamplesPerFrame = codec is null ? codecDefaults.SamplesPerFrame : Int(codec, "decode_upsample_rate", codecDefaults.SamplesPerFrame),
        };

        var text = new TextIds();
        TextIds = text with
        {
            TtsPad = Int(root, "tts_pad_token_id", text.TtsPad),
            TtsBos = Int(root, "tts_bos_token_id", text.TtsBos),
            TtsEos = Int(root, "tts_eos_token_id", text.TtsEos),
            ImStart = Int(root, "im_start_token_id", text.ImStart, optional: true),
            ImEnd = Int(root, "im_end_token_id", text.ImEnd, optional: true),
            Assistant = Int(root, "assistant_token_id", text.Assistant, optional: true),
        };

        var ids = new CodecIds();
        CodecIds = new CodecIds
        {
            Pad = Int(talker, "codec_pad_id", ids.Pad),
            Bos = Int(talker, "codec_bos_id", ids.Bos),
            Eos = Int(talker, "codec_eos_token_id", ids.Eos),
            Think = Int(talker, "codec_think_id", ids.Think),
            NoThink = Int(talker, "codec_nothink_id", ids.NoThink),
            ThinkBos = Int(talker, "codec_think_bos_id", ids.ThinkBos),
            ThinkEos = Int(talker, "codec_think_eos_id", ids.ThinkEos),
        };

        Languages = talker["codec_language_id"] is JsonObject languages
            ? languages.ToDictionary(p => p.Key.ToLowerInvariant(), p => p.Value!.GetValue<int>(), StringComparer.OrdinalIgnoreCase)
            : Fallback("codec_language_id", QwenIds.Languages);
        Speakers = ReadSpeakers(talker);

        var sampling = new GenerationDefaults();
        Generation = generation is null
            ? sampling
            : new GenerationDefaults
            {
                Temperature = Float(generation, "temperature", sampling.Temperature),
                TopK = Int(generation, "top_k", sampling.TopK),
                TopP = Float(generation, "top_p", sampling.TopP),
                RepetitionPenalty = Float(generation, "repetition_penalty", sampling.RepetitionPenalty),
                MaxNewTokens = Int(generation, "max_new_tokens", sampling.MaxNewTokens),
                SubtalkerTemperature = Float(generation, "subtalker_temperature", sampling.SubtalkerTemperature),
                SubtalkerTopK = Int(generation, "subtalker_top_k", sampling.SubtalkerTopK),
                SubtalkerTopP = Float(generation, "subtalker_top_p", sampling.SubtalkerTopP),
            };
    }

    private DecoderShape ReadDecoder(JsonObject json, DecoderShape release, string section) => new()
    {
        Hidden = Int(json, "hidden_size", release.Hidden),
        Layers = Int(json, "num_hidden_layers", release.Layers),
        Heads = Int(json, "num_attention_heads", release.Heads),
        KvHeads = Int(json, "num_key_value_heads", release.KvHeads),
        HeadDim = Int(json, "head_dim", release.HeadDim),
        Mlp = Int(json, "intermediate_size", release.Mlp),
        RopeTheta = json["rope_theta"] is JsonValue theta ? theta.GetValue<double>() : Fallback(section + "rope_theta", release.RopeTheta),
        RmsEps = json["rms_norm_eps"] is JsonValue eps ? eps.GetValue<float>() : Fallback(section + "rms_norm_eps", release.RmsEps),
    };

    private static Dictionary<string, PresetSpeaker> ReadSpeakers(JsonObject talker)
    {
        var speakers = new Dictionary<string, PresetSpeaker>(StringComparer.OrdinalIgnoreCase);
        if (talker["spk_id"] is not JsonObject ids)
        {
            return speakers;
        }

        var dialects = talker["spk_is_dialect"] as JsonObject;
        foreach (var (name, id) in ids)
        {
            // spk_is_dialect maps a speaker to false or to its dialect's language name.
            var dialect = dialects?[name] is JsonValue value && value.TryGetValue<string>(out var language) ? language : null;
            speakers[name.ToLowerInvariant()] = new PresetSpeaker(id!.GetValue<int>(), dialect);
        }

        return speakers;
    }

    private static JsonObject? Parse(string directory, string file, bool required)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            return required ? throw new ModelValidationException($"No {file} in the model folder '{directory}'.") : null;
        }

        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new ModelValidationException($"{path} is not a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new ModelValidationException($"{path} is not valid JSON: {ex.Message}", ex);
        }
    }

    private T Fallback<T>(string field, T value)
    {
        _defaulted.Add(field);
        return value;
    }

    private int Int(JsonObject json, string field, int fallback, bool optional = false) => json[field] is JsonValue value
        ? value.GetValue<int>()
        : optional ? fallback : Fallback(field, fallback);

    private float Float(JsonObject json, string field, float fallback) => json[field] is JsonValue value
        ? value.GetValue<float>()
        : Fallback(field, fallback);

    private string Str(JsonObject json, string field, string fallback) => json[field] is JsonValue value
        ? value.GetValue<string>()
        : Fallback(field, fallback);
}
