using QwenTts.Frontend.Text;

namespace QwenTts.Frontend.UnitTests;

public sealed class TextFrontEndTests
{
    [Theory]
    [InlineData("Hello\u3000world", "Hello world")]                 // full-width space
    [InlineData("zero\u200Bwidth\uFEFF joiner", "zerowidth joiner")]  // zero-width space and BOM
    [InlineData("bell\u0007 and\ttab\r\nnewline", "bell and tab newline")]
    [InlineData("  many    spaces  ", "many spaces")]
    [InlineData("e\u0301te\u0301", "été")]                            // NFC
    [InlineData("中文 English 混合", "中文 English 混合")]                // mixed scripts kept
    public void Normalisation_cleans_spaces_and_invisible_characters(string input, string expected) =>
        Assert.Equal(expected, TextNormalizer.Normalize(input));

    [Fact]
    public void Sentences_split_at_western_and_chinese_punctuation_and_short_ones_are_kept_together()
    {
        var segmenter = new SentenceSegmenter(targetSegment: 15, maxSegment: 60);

        var segments = segmenter.Split("第一句话。第二句话！Third one? Fourth: pi is 3.14 exactly.");

        Assert.Equal(["第一句话。第二句话！", "Third one?", "Fourth: pi is 3.14 exactly."], segments);
    }

    [Fact]
    public void A_long_sentence_is_split_at_commas_and_never_exceeds_the_maximum()
    {
        var segmenter = new SentenceSegmenter(targetSegment: 40, maxSegment: 50);
        var sentence = string.Join("，", Enumerable.Repeat("这是一个很长的从句没有句号", 10)) + "。";
        var words = string.Join(" ", Enumerable.Repeat("word", 60));

        var cjk = segmenter.Split(sentence);
        var western = segmenter.Split(words);

        Assert.True(cjk.Count > 2);
        Assert.All(cjk, s => Assert.True(s.Length <= 50, s));
        Assert.Equal(sentence, string.Concat(cjk));
        Assert.All(western, s => Assert.True(s.Length <= 50, s));
        Assert.Equal(60, western.Sum(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length));
    }

    [Theory]
    [InlineData("今天天气很好", "chinese")]
    [InlineData("こんにちは、世界", "japanese")]
    [InlineData("今日は天気がいいですね", "japanese")]
    [InlineData("안녕하세요 여러분", "korean")]
    [InlineData("Привет, как дела?", "russian")]
    [InlineData("The weather is nice today.", "english")]
    [InlineData("Das ist nicht gut, und die Straße ist nass.", "german")]
    [InlineData("Je ne sais pas, c'est très bien.", "french")]
    [InlineData("¿Dónde está la estación? Muy lejos.", "spanish")]
    [InlineData("Não sei, obrigado pela ajuda.", "portuguese")]
    [InlineData("Grazie, questo non è molto lontano.", "italian")]
    [InlineData("12345 !!!", "english")]
    public void The_language_is_detected_from_script_and_common_words(string text, string expected) =>
        Assert.Equal(expected, LanguageDetector.Detect(text));
}
