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

    public static QwenTokenizer Load(string tokenizerJsonPath)
    {
        if (!File.Exists(tokenizerJsonPath))
        {
            throw new ModelValidationException($"Tokenizer file not found: {tokenizerJsonPath}. Run models/fetch-tokenizer.sh.");
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        var model = document.RootElement.GetProperty("model");
        if (model.GetProperty("type").GetString() != "BPE")
        {
            throw new ModelValidationException($"{tokenizerJsonPath}: expected a BPE tokenizer.");
        }

        var vocabulary = model.GetProperty("vocab").EnumerateObject()
            .Select(p => new KeyValuePair<string, int>(p.Name, p.Value.GetInt32())).ToList();
        var merges = model.GetProperty("merges").EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!)
            .ToList();
        var added = document.RootElement.GetProperty("added_tokens").EnumerateArray()
            .ToDictionary(t => t.GetProperty("content").GetString()!, t => t.GetProperty("id").GetInt32());

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
