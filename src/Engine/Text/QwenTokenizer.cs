using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using QwenTts.Engine.Model;

namespace QwenTts.Engine.Text;

/// <summary>
/// The Qwen byte-level BPE (NFC, Qwen pre-tokenizer regex, byte-level BPE, added tokens matched whole) built with
/// Microsoft.ML.Tokenizers from a Hugging Face <c>tokenizer.json</c>.
/// </summary>
public sealed partial class QwenTokenizer
{
    private readonly BpeTokenizer _bpe;

    private QwenTokenizer(BpeTokenizer bpe, IReadOnlyDictionary<string, int> addedTokens)
    {
        _bpe = bpe;
        AddedTokens = addedTokens;
    }

    /// <summary>Added (special) tokens such as &lt;|im_start|&gt;, matched whole before BPE.</summary>
    public IReadOnlyDictionary<string, int> AddedTokens { get; }

    /// <summary>
    /// Loads a <c>tokenizer.json</c>, or an official HF folder's <c>vocab.json</c> + <c>merges.txt</c> with the added
    /// tokens of <c>tokenizer_config.json</c> (the same BPE, as the export's runtime reads it).
    /// </summary>
    public static QwenTokenizer Load(string tokenizerPath)
    {
        if (Directory.Exists(tokenizerPath))
        {
            return LoadVocabAndMerges(tokenizerPath);
        }

        if (!File.Exists(tokenizerPath))
        {
            throw new ModelValidationException($"Tokenizer not found: {tokenizerPath}. Run models/fetch-tokenizer.sh, or point at the HF folder.");
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(tokenizerPath));
        var model = document.RootElement.GetProperty("model");
        if (model.GetProperty("type").GetString() != "BPE")
        {
            throw new ModelValidationException($"{tokenizerPath}: expected a BPE tokenizer.");
        }

        var vocabulary = model.GetProperty("vocab").EnumerateObject()
            .Select(p => new KeyValuePair<string, int>(p.Name, p.Value.GetInt32())).ToList();
        var merges = model.GetProperty("merges").EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!)
            .ToList();
        var added = document.RootElement.GetProperty("added_tokens").EnumerateArray()
            .ToDictionary(t => t.GetProperty("content").GetString()!, t => t.GetProperty("id").GetInt32());
        return Create(vocabulary, merges, added);
    }

    private static QwenTokenizer LoadVocabAndMerges(string folder)
    {
        string Need(string file) => File.Exists(Path.Combine(folder, file))
            ? Path.Combine(folder, file)
            : throw new ModelValidationException($"Tokenizer folder {folder} has no {file} (it needs vocab.json, merges.txt and tokenizer_config.json, or tokenizer.json).");

        using var vocabDocument = JsonDocument.Parse(File.ReadAllBytes(Need("vocab.json")));
        var vocabulary = vocabDocument.RootElement.EnumerateObject()
            .Select(p => new KeyValuePair<string, int>(p.Name, p.Value.GetInt32())).ToList();
        var merges = File.ReadLines(Need("merges.txt"))
            .Where(line => line.Length > 0 && !line.StartsWith("#version", StringComparison.Ordinal)).ToList();
        using var configDocument = JsonDocument.Parse(File.ReadAllBytes(Need("tokenizer_config.json")));
        var added = configDocument.RootElement.TryGetProperty("added_tokens_decoder", out var decoder)
            ? decoder.EnumerateObject().ToDictionary(p => p.Value.GetProperty("content").GetString()!, p => int.Parse(p.Name, System.Globalization.CultureInfo.InvariantCulture))
            : throw new ModelValidationException($"{folder}/tokenizer_config.json has no added_tokens_decoder: the special tokens' ids are unknown.");
        return Create(vocabulary, merges, added);
    }

    private static QwenTokenizer Create(List<KeyValuePair<string, int>> vocabulary, List<string> merges, Dictionary<string, int> added)
    {
        var bpe = BpeTokenizer.Create(new BpeOptions(vocabulary)
        {
            Merges = merges,
            SpecialTokens = added,
            ByteLevel = true,
            Normalizer = new NfcNormalizer(),
            PreTokenizer = new RegexPreTokenizer(QwenPreTokenizerPattern(), added),
        });
        return new QwenTokenizer(bpe, added);
    }

    public IReadOnlyList<int> Encode(string text) => _bpe.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => _bpe.Decode(ids);

    /// <summary>
    /// Removes added-token strings (e.g. "&lt;|im_end|&gt;") from user text, so text cannot inject control tokens into
    /// the prompt template.
    /// </summary>
    public string StripAddedTokens(string text)
    {
        if (!text.Contains('<', StringComparison.Ordinal))
        {
            return text;
        }

        var builder = new StringBuilder(text);
        foreach (var token in AddedTokens.Keys)
        {
            builder.Replace(token, "");
        }

        return builder.ToString();
    }

    // The Qwen2/Qwen3 pre-tokenizer split (tokenizer.json: pre_tokenizer.pretokenizers[0].pattern.Regex).
    [GeneratedRegex(@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")]
    private static partial Regex QwenPreTokenizerPattern();

    private sealed class NfcNormalizer : Normalizer
    {
        public override string Normalize(string original) => original.Normalize(NormalizationForm.FormC);

        public override string Normalize(ReadOnlySpan<char> original) => original.ToString().Normalize(NormalizationForm.FormC);
    }
}
