using System.Text.Json;
using System.Text.Json.Serialization;

namespace QwenTts.Engine.Model;

/// <summary>
/// <c>model.json</c> of a model directory: which graphs are present, their float type, the widths the graphs are
/// checked against, the special ids and the audio format. A real export and the miniature share this format.
/// </summary>
public sealed record ModelManifest
{
    public const string FileName = "model.json";
    public const string CurrentFormat = "qwen3-tts-onnx/1";

    public string Format { get; init; } = CurrentFormat;

    public required string Name { get; init; }

    public ModelVariant Variant { get; init; } = ModelVariant.VoiceDesign;

    /// <summary>True for the project's scale model: random weights, it makes noise, not speech.</summary>
    public bool Miniature { get; init; }

    public required TalkerShape Talker { get; init; }

    /// <summary>The code predictor's transformer (from config.json); null when unknown (the export's graph is then the only way).</summary>
    public DecoderShape? CodePredictor { get; init; }

    /// <summary>The talker's transformer (from config.json), for graphs built from the checkpoint; null when unknown.</summary>
    public DecoderShape? TalkerDecoder { get; init; }

    public CodecShape Codec { get; init; } = new();

    public TextIds TextIds { get; init; } = new();

    public CodecIds CodecIds { get; init; } = new();

    /// <summary>Language name (lower case) to codec id; see <see cref="CodecIds"/>.</summary>
    public IReadOnlyDictionary<string, int> Languages { get; init; } = QwenIds.Languages;

    /// <summary>CustomVoice preset speakers: name to codec id, and dialect language where the speaker has one.</summary>
    public IReadOnlyDictionary<string, PresetSpeaker> Speakers { get; init; } = new Dictionary<string, PresetSpeaker>();

    /// <summary>
    /// The Qwen tokenizer, relative to the model directory: a tokenizer.json, or a folder with vocab.json, merges.txt
    /// and tokenizer_config.json (the official HF folder).
    /// </summary>
    public string Tokenizer { get; init; } = "tokenizer.json";

    /// <summary>The official HF folder (configs, tokenizer, safetensors weights), relative to the model directory.</summary>
    public string? HfDirectory { get; init; }

    /// <summary>
    /// Graph name to .onnx file (relative). Each graph's weights sit in one external .onnx.data file beside it. Empty:
    /// found by the export's layout. Each graph's precision (fp16 or fp32) is read from the graph itself.
    /// </summary>
    public IReadOnlyDictionary<string, string> Graphs { get; init; } = new Dictionary<string, string>();

    public GenerationDefaults Generation { get; init; } = new();

    /// <summary>On import: config fields the HF folder lacks, for which the release's values were used (logged, never silent).</summary>
    [JsonIgnore]
    public IReadOnlyList<string> DefaultedFields { get; init; } = [];

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public static ModelManifest Load(string modelDirectory)
    {
        var path = Path.Combine(modelDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new ModelValidationException($"No {FileName} in model directory '{modelDirectory}'.");
        }

        ModelManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException ex)
        {
            throw new ModelValidationException($"{path} is not a valid manifest: {ex.Message}", ex);
        }

        if (manifest is null || manifest.Format != CurrentFormat)
        {
            throw new ModelValidationException($"{path}: format '{manifest?.Format}' is not '{CurrentFormat}'.");
        }

        return manifest;
    }

    public void Save(string modelDirectory) => SaveTo(Path.Combine(modelDirectory, FileName));

    public void SaveTo(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, JsonOptions));
}

public enum ModelVariant
{
    VoiceDesign,
    CustomVoice,
    Base,
}

/// <summary>Precision of a graph's float tensors, read from the graph.</summary>
public enum TensorFloatType
{
    Float32,
    Float16,
}

/// <summary>Widths of the talker the graphs must agree with (1.7B: hidden 2048, 28 layers, 8 KV heads of 128).</summary>
public sealed record TalkerShape
{
    public required int Hidden { get; init; }

    public required int Layers { get; init; }

    public int KvHeads { get; init; } = 8;

    public int HeadDim { get; init; } = 128;

    public int CodecVocab { get; init; } = 3072;

    public int TextVocab { get; init; } = 151936;
}

/// <summary>
/// A Qwen3 transformer stack as config.json describes it (1.7B talker: hidden 2048, 28 layers, MLP 6144; code predictor:
/// hidden 1024, 5 layers, MLP 3072; both 16 heads / 8 KV heads of 128, RoPE theta 1e6, RMSNorm eps 1e-6).
/// </summary>
public sealed record DecoderShape
{
    public required int Hidden { get; init; }

    public required int Layers { get; init; }

    public int Heads { get; init; } = 16;

    public int KvHeads { get; init; } = 8;

    public int HeadDim { get; init; } = 128;

    public int Mlp { get; init; } = 3072;

    public double RopeTheta { get; init; } = 1e6;

    public float RmsEps { get; init; } = 1e-6f;
}

/// <summary>The 12 Hz speech tokenizer: 16 codebooks of 2048, 24 kHz, 1920 samples a frame.</summary>
public sealed record CodecShape
{
    public int Codebooks { get; init; } = 16;

    public int CodebookSize { get; init; } = 2048;

    public int SampleRate { get; init; } = 24000;

    public int SamplesPerFrame { get; init; } = 1920;

    /// <summary>Official chunked decode: 300 frames a chunk with 25 frames of left context.</summary>
    public int DecodeChunkFrames { get; init; } = 300;

    public int LeftContextFrames { get; init; } = 25;

    /// <summary>The chunk decoder was traced at 25 + 300 frames: no call may pass more (context included).</summary>
    public int MaxDecodeFrames { get; init; } = 325;

    public int MelBins { get; init; } = 128;

    public double FramesPerSecond => (double)SampleRate / SamplesPerFrame;
}

public sealed record PresetSpeaker(int CodecId, string? Dialect = null);

/// <summary>Sampling defaults from generation_config.json.</summary>
public sealed record GenerationDefaults
{
    public float Temperature { get; init; } = 0.9f;

    public int TopK { get; init; } = 50;

    public float TopP { get; init; } = 1.0f;

    public float RepetitionPenalty { get; init; } = 1.05f;

    public int MaxNewTokens { get; init; } = 2048;

    public float SubtalkerTemperature { get; init; } = 0.9f;

    public int SubtalkerTopK { get; init; } = 50;

    public float SubtalkerTopP { get; init; } = 1.0f;
}
