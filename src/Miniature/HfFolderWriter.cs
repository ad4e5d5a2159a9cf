using System.Text.Json;
using System.Text.Json.Nodes;
using QwenTts.Engine.Model;

namespace QwenTts.Miniature;

/// <summary>
/// Writes the files of the official Hugging Face folder that the export's runtime reads, with the miniature's widths
/// and the release's ids and sampling defaults: config.json, generation_config.json, speech_tokenizer/config.json,
/// and the Qwen tokenizer split into vocab.json, merges.txt and tokenizer_config.json as the release ships it.
/// </summary>
public static class HfFolderWriter
{
    /// <summary>Bumped whenever the miniature's files change, so folders built by an older builder are rebuilt.</summary>
    public const int Version = 4;

    public const string VersionField = "qwentts_miniature_version";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static void Write(string directory, ModelManifest manifest, MiniatureSpec spec, string tokenizerJson)
    {
        Directory.CreateDirectory(Path.Combine(directory, "speech_tokenizer"));
        Save(Path.Combine(directory, HfModelConfig.ConfigFile), Config(manifest, spec));
        Save(Path.Combine(directory, HfModelConfig.GenerationFile), new JsonObject
        {
            ["do_sample"] = true, ["temperature"] = 0.9, ["top_k"] = 50, ["top_p"] = 1.0, ["repetition_penalty"] = 1.05,
            ["max_new_tokens"] = 8192, ["subtalker_dosample"] = true, ["subtalker_temperature"] = 0.9, ["subtalker_top_k"] = 50,
            ["subtalker_top_p"] = 1.0,
        });
        Save(Path.Combine(directory, HfModelConfig.SpeechTokenizerConfig), new JsonObject
        {
            ["output_sample_rate"] = manifest.Codec.SampleRate,
            ["decode_upsample_rate"] = manifest.Codec.SamplesPerFrame,
            ["qwentts_miniature"] = true,
        });
        SplitTokenizer(tokenizerJson, directory);
    }

    private static JsonObject Config(ModelManifest manifest, MiniatureSpec spec)
    {
        var codecIds = manifest.CodecIds;
        var text = manifest.TextIds;
        return new JsonObject
        {
            ["qwentts_miniature"] = true,
            [VersionField] = Version,
            ["_comment"] = "QwenTts miniature: random weights at tiny widths, it makes noise, not speech.",
            ["tts_model_type"] = manifest.Variant switch
            {
                ModelVariant.Base => "base",
                ModelVariant.CustomVoice => "custom_voice",
                _ => "voice_design",
            },
            ["tts_pad_token_id"] = text.TtsPad,
            ["tts_bos_token_id"] = text.TtsBos,
            ["tts_eos_token_id"] = text.TtsEos,
            ["talker_config"] = new JsonObject
            {
                ["hidden_size"] = spec.Talker.Hidden,
                ["num_hidden_layers"] = spec.Talker.Layers,
                ["num_attention_heads"] = spec.Talker.Heads,
                ["num_key_value_heads"] = spec.Talker.KvHeads,
                ["head_dim"] = spec.Talker.HeadDim,
                ["intermediate_size"] = spec.Talker.Mlp,
                ["rope_theta"] = spec.Talker.RopeTheta,
                ["rms_norm_eps"] = spec.Talker.RmsEps,
                ["vocab_size"] = manifest.Talker.CodecVocab,
                ["text_vocab_size"] = manifest.Talker.TextVocab,
                ["text_hidden_size"] = spec.TextHidden,
                ["num_code_groups"] = manifest.Codec.Codebooks,
                ["codec_eos_token_id"] = codecIds.Eos,
                ["codec_pad_id"] = codecIds.Pad,
                ["codec_bos_id"] = codecIds.Bos,
                ["codec_think_id"] = codecIds.Think,
                ["codec_nothink_id"] = codecIds.NoThink,
                ["codec_think_bos_id"] = codecIds.ThinkBos,
                ["codec_think_eos_id"] = codecIds.ThinkEos,
                ["codec_language_id"] = new JsonObject(QwenIds.Languages.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)l.Value))),
                ["spk_id"] = new JsonObject(),
                ["spk_is_dialect"] = new JsonObject(),
                ["code_predictor_config"] = new JsonObject
                {
                    ["hidden_size"] = spec.CodePredictor.Hidden,
                    ["num_hidden_layers"] = spec.CodePredictor.Layers,
                    ["num_attention_heads"] = spec.CodePredictor.Heads,
                    ["num_key_value_heads"] = spec.CodePredictor.KvHeads,
                    ["head_dim"] = spec.CodePredictor.HeadDim,
                    ["intermediate_size"] = spec.CodePredictor.Mlp,
                    ["rope_theta"] = spec.CodePredictor.RopeTheta,
                    ["rms_norm_eps"] = spec.CodePredictor.RmsEps,
                    ["vocab_size"] = manifest.Codec.CodebookSize,
                    ["num_code_groups"] = manifest.Codec.Codebooks,
                },
            },
        };
    }

    /// <summary>tokenizer.json's BPE as the HF folder ships it: vocab.json, merges.txt, and the added tokens by id.</summary>
    private static void SplitTokenizer(string tokenizerJson, string directory)
    {
        var root = JsonNode.Parse(File.ReadAllText(tokenizerJson))!;
        var model = root["model"]!;
        Save(Path.Combine(directory, "vocab.json"), model["vocab"]!.DeepClone());
        var merges = model["merges"]!.AsArray().Select(m => m is JsonArray pair ? $"{pair[0]} {pair[1]}" : m!.GetValue<string>());
        File.WriteAllLines(Path.Combine(directory, "merges.txt"), ["#version: 0.2", .. merges]);
        var added = new JsonObject();
        foreach (var token in root["added_tokens"]!.AsArray())
        {
            added[token!["id"]!.GetValue<int>().ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = token["content"]!.GetValue<string>(),
                ["special"] = token["special"]?.GetValue<bool>() ?? true,
            };
        }

        Save(Path.Combine(directory, "tokenizer_config.json"), new JsonObject { ["added_tokens_decoder"] = added });
    }

    private static void Save(string path, JsonNode node) => File.WriteAllText(path, node.ToJsonString(Indented));
}
