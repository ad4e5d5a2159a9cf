using QwenTts.Frontend.Text.Ssml;

namespace QwenTts.Frontend.UnitTests;

/// <summary>SSML say-as written out as Chinese and English readers say it, and refusals that name the value.</summary>
public sealed class SayAsTests
{
    [Theory]
    [InlineData("date", "2026-12-06", "二〇二六年十二月六日")]
    [InlineData("cardinal", "1234", "一千二百三十四")]
    [InlineData("cardinal", "10", "十")]
    [InlineData("cardinal", "1001", "一千零一")]
    [InlineData("cardinal", "100010", "十万零一十")]
    [InlineData("cardinal", "100000001", "一亿零一")]
    [InlineData("cardinal", "-20", "负二十")]
    [InlineData("digits", "123", "一二三")]
    [InlineData("digits", "2020", "二零二零")]
    [InlineData("telephone", "13800138000", "一三八，零零一三，八零零零")]
    [InlineData("telephone", "+86 10-1234", "加八六，一零，一二三四")]
    [InlineData("time", "14:30", "十四点三十分")]
    [InlineData("time", "14:05", "十四点零五分")]
    [InlineData("time", "08:00", "八点整")]
    [InlineData("characters", "AB1", "A B 一")]
    public void Chinese(string kind, string text, string expected) =>
        Assert.Equal(expected, SayAs.Read(kind, null, text, "chinese").Spoken);

    [Theory]
    [InlineData("date", "2026-12-06", "December sixth, twenty twenty-six")]
    [InlineData("date", "2005-01-01", "January first, two thousand five")]
    [InlineData("date", "1905-07-04", "July fourth, nineteen oh five")]
    [InlineData("cardinal", "1234", "one thousand two hundred thirty-four")]
    [InlineData("cardinal", "1,000,000", "one million")]
    [InlineData("digits", "123", "one two three")]
    [InlineData("telephone", "555-0199", "five five five, zero one nine nine")]
    [InlineData("time", "14:30", "two thirty PM")]
    [InlineData("time", "00:05", "twelve oh five AM")]
    [InlineData("time", "12:00", "twelve PM")]
    [InlineData("characters", "ab 7", "A B seven")]
    public void English(string kind, string text, string expected) =>
        Assert.Equal(expected, SayAs.Read(kind, null, text, "english").Spoken);

    [Fact]
    public void A_date_format_reorders_the_parts() =>
        Assert.Equal("December sixth, twenty twenty-six", SayAs.Read("date", "mdy", "12/06/2026", "english").Spoken);

    [Theory]
    [InlineData("cardinal", "1.5", "english", "say-as cardinal takes a whole number")]
    [InlineData("digits", "12a", "english", "'12a'")]
    [InlineData("date", "2026-02-30", "chinese", "not a calendar date")]
    [InlineData("time", "25:00", "english", "24-hour time")]
    [InlineData("ordinal", "3", "english", "interpret-as \"ordinal\" is not supported")]
    [InlineData("cardinal", "3", "japanese", "this span's language is japanese")]
    public void What_cannot_be_read_is_refused_by_name(string kind, string text, string language, string expected)
    {
        var (spoken, problem) = SayAs.Read(kind, null, text, language);

        Assert.Null(spoken);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }
}
