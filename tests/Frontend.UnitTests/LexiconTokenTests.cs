using QwenTts.Engine.Text;
using QwenTts.Frontend.Text.Lexicons;
using QwenTts.Frontend.Text.Ssml;
using QwenTts.LocalHosting;

namespace QwenTts.Frontend.UnitTests;

/// <summary>A lexicon changes the token ids the model is given (the tokenizer at models/tokenizer, fetched by setup.sh).</summary>
public sealed class LexiconTokenTests
{
    private static readonly QwenTokenizer Tokenizer =
        QwenTokenizer.Load(Path.Combine(RepositoryLayout.Root, "models", "tokenizer", "qwen3", "tokenizer.json"));

    private static readonly LexiconMatcher Brands = new([("QTTS", "Qwen text to speech"), ("千问", "通义千问")]);

    [Fact]
    public void Plain_text_through_a_lexicon_gives_the_aliases_ids()
    {
        var ids = Tokenizer.Encode(Brands.Apply("QTTS and 千问 speak."));

        Assert.Equal(Tokenizer.Encode("Qwen text to speech and 通义千问 speak."), ids);
        Assert.NotEqual(Tokenizer.Encode("QTTS and 千问 speak."), ids);
    }

    [Fact]
    public void Ssml_text_through_a_lexicon_gives_the_aliases_ids()
    {
        var (document, _) = SsmlParser.Parse("<speak>Try QTTS<break time=\"300ms\"/>today.</speak>", "english", Brands.Apply);

        Assert.Equal(Tokenizer.Encode("Try Qwen text to speech"), Tokenizer.Encode(document!.Spans[0].Text));
        Assert.NotEqual(Tokenizer.Encode("Try QTTS"), Tokenizer.Encode(document.Spans[0].Text));
    }
}
