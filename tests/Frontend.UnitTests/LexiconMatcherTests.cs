using QwenTts.Frontend.Text.Lexicons;

namespace QwenTts.Frontend.UnitTests;

/// <summary>Lexicon matching: longest first, whole words for alphabetic scripts, anywhere for CJK, the first lexicon wins.</summary>
public sealed class LexiconMatcherTests
{
    [Fact]
    public void The_longest_grapheme_wins() =>
        Assert.Equal("Acme Cloud Platform and Acme Corp.",
            new LexiconMatcher([("ACME", "Acme Corp"), ("ACME Cloud", "Acme Cloud Platform")]).Apply("ACME Cloud and ACME."));

    [Fact]
    public void Latin_graphemes_match_whole_words_only() =>
        Assert.Equal("artificial intelligence, PAID, AIR, (artificial intelligence)",
            new LexiconMatcher([("AI", "artificial intelligence")]).Apply("AI, PAID, AIR, (AI)"));

    [Fact]
    public void Chinese_graphemes_match_anywhere() =>
        Assert.Equal("我们的通义千问模型", new LexiconMatcher([("千问", "通义千问")]).Apply("我们的千问模型"));

    [Fact]
    public void Matching_is_case_sensitive_and_replacements_are_not_matched_again() =>
        Assert.Equal("Kubernetes k8s-cluster acme", new LexiconMatcher([("K8s", "Kubernetes"), ("Kubernetes", "never")]).Apply("K8s k8s-cluster acme"));

    [Fact]
    public void The_first_lexicon_named_wins_a_grapheme() =>
        Assert.Equal("first", new LexiconMatcher([("x", "first"), ("x", "second")]).Apply("x"));

    [Fact]
    public void Without_entries_the_text_is_unchanged() =>
        Assert.Equal("Same text.", new LexiconMatcher([]).Apply("Same text."));
}
