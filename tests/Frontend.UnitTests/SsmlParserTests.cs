using QwenTts.Frontend.Text.Ssml;

namespace QwenTts.Frontend.UnitTests;

/// <summary>The SSML subset: each element's effect on the spans, and refusals that name the element or attribute.</summary>
public sealed class SsmlParserTests
{
    private static SsmlDocument Parse(string ssml, string language = "english")
    {
        var (document, problem) = SsmlParser.Parse(ssml, language);
        Assert.Null(problem);
        return document!;
    }

    private static string Problem(string ssml)
    {
        var (document, problem) = SsmlParser.Parse(ssml, "english");
        Assert.Null(document);
        return problem!;
    }

    [Fact]
    public void Plain_speak_is_one_span_at_the_request_rate()
    {
        var document = Parse("<speak version=\"1.0\" xmlns=\"http://www.w3.org/2001/10/synthesis\">Hello there.</speak>");

        Assert.Equal([new SsmlSpan("Hello there.", 1.0, null, null)], document.Spans);
        Assert.Equal(0, document.TrailingPauseMilliseconds);
    }

    [Fact]
    public void A_full_w3c_root_with_its_schema_location_is_taken() =>
        Assert.Equal("Hi.", Parse("""
            <?xml version="1.0"?>
            <speak version="1.1" xmlns="http://www.w3.org/2001/10/synthesis" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
                   xsi:schemaLocation="http://www.w3.org/2001/10/synthesis http://www.w3.org/TR/speech-synthesis11/synthesis.xsd" xml:lang="en-US">
              Hi.
            </speak>
            """).Spans[0].Text);

    [Theory]
    [InlineData("<break time=\"1s\"/>", 1000)]
    [InlineData("<break time=\"500ms\"/>", 500)]
    [InlineData("<break time=\"1.5s\"/>", 1500)]
    [InlineData("<break strength=\"none\"/>", 0)]
    [InlineData("<break strength=\"x-weak\"/>", 250)]
    [InlineData("<break strength=\"weak\"/>", 500)]
    [InlineData("<break strength=\"medium\"/>", 750)]
    [InlineData("<break strength=\"strong\"/>", 1000)]
    [InlineData("<break strength=\"x-strong\"/>", 1250)]
    [InlineData("<break/>", 750)]
    [InlineData("<break time=\"200ms\" strength=\"x-strong\"/>", 200)]
    [InlineData("<break time=\"1s\"/><break time=\"2s\"/>", 3000)]
    public void A_break_cuts_the_text_and_sets_the_silence_before_the_next_span(string breaks, int milliseconds)
    {
        var document = Parse($"<speak>First part.{breaks}Second part.</speak>");

        Assert.Equal([new SsmlSpan("First part.", 1.0, null, null), new SsmlSpan("Second part.", 1.0, null, milliseconds)], document.Spans);
    }

    [Fact]
    public void A_break_at_the_end_is_trailing_silence() =>
        Assert.Equal(2000, Parse("<speak>Done.<break time=\"2s\"/></speak>").TrailingPauseMilliseconds);

    [Theory]
    [InlineData("x-slow", 0.5)]
    [InlineData("fast", 1.55)]
    [InlineData("150%", 1.5)]
    [InlineData("+20%", 1.2)]
    [InlineData("-20%", 0.8)]
    [InlineData("0.5", 0.5)]
    public void Prosody_rate_is_a_multiple_of_the_speed(string rate, double multiple)
    {
        var document = Parse($"<speak>Normal. <prosody rate=\"{rate}\">Changed.</prosody> Normal again.</speak>");

        Assert.Equal(["Normal.", "Changed.", "Normal again."], document.Spans.Select(s => s.Text));
        Assert.Equal(multiple, document.Spans[1].Rate, 6);
        Assert.Equal(1.0, document.Spans[2].Rate);
    }

    [Fact]
    public void Nested_rates_multiply() =>
        Assert.Equal(0.25, Parse("<speak><prosody rate=\"50%\"><prosody rate=\"x-slow\">Slow.</prosody></prosody></speak>").Spans[0].Rate, 6);

    [Theory]
    [InlineData("pitch=\"+2st\"", 2.0, 1.0)]
    [InlineData("pitch=\"-3.5st\" volume=\"+6dB\"", -3.5, 1.9953)]
    [InlineData("pitch=\"x-high\" volume=\"soft\"", 7.0196, 0.5)]
    [InlineData("pitch=\"+10%\" volume=\"150%\"", 1.6500, 1.5)]
    [InlineData("volume=\"-50%\"", 0.0, 0.5)]
    public void Prosody_pitch_adds_semitones_and_volume_multiplies(string attributes, double semitones, double volume)
    {
        var span = Parse($"<speak>Plain. <prosody {attributes}>Changed.</prosody></speak>").Spans[1];
        Assert.Equal(semitones, span.Pitch, 3);
        Assert.Equal(volume, span.Volume, 3);
        Assert.Equal(1.0, span.Rate);
    }

    [Fact]
    public void Nested_pitches_add_and_volumes_multiply()
    {
        var span = Parse("<speak><prosody pitch=\"+2st\" volume=\"x-loud\"><prosody pitch=\"+1st\" volume=\"soft\">Both.</prosody></prosody></speak>").Spans[0];
        Assert.Equal(3.0, span.Pitch, 6);
        Assert.Equal(1.0, span.Volume, 6);
    }

    [Theory]
    [InlineData("pitch=\"+50Hz\"", "prosody pitch \"+50Hz\" is not valid")]
    [InlineData("rate=\"fast\" volume=\"very loud\"", "prosody volume \"very loud\" is not valid")]
    [InlineData("rate=\"quick\"", "prosody rate \"quick\" is not valid")]
    [InlineData("duration=\"2s\"", "SSML attribute duration on <prosody> is not supported")]
    public void Prosody_refusals_name_the_attribute(string attributes, string expected) =>
        Assert.Contains(expected, Problem($"<speak><prosody {attributes}>Hi.</prosody></speak>"), StringComparison.Ordinal);

    [Fact]
    public void Say_as_and_sub_are_written_out_inside_the_text() =>
        Assert.Equal("On December sixth, twenty twenty-six, the World Wide Web Consortium met.",
            Parse("<speak>On <say-as interpret-as=\"date\">2026-12-06</say-as>, the <sub alias=\"World Wide Web Consortium\">W3C</sub> met.</speak>").Spans[0].Text);

    [Fact]
    public void Say_as_reads_in_the_language_of_its_span() =>
        Assert.Equal("价格是一千二百三十四元。", Parse("<speak xml:lang=\"zh-CN\">价格是<say-as interpret-as=\"cardinal\">1234</say-as>元。</speak>").Spans[0].Text);

    [Fact]
    public void Say_as_under_auto_reads_in_the_detected_language() =>
        Assert.Equal("今天是二〇二六年十二月六日。", Parse("<speak>今天是<say-as interpret-as=\"date\">2026-12-06</say-as>。</speak>", "auto").Spans[0].Text);

    [Fact]
    public void Lang_gives_its_span_a_language()
    {
        var document = Parse("<speak xml:lang=\"zh-CN\">你好。<lang xml:lang=\"en-US\">Hello.</lang>再见。</speak>");

        Assert.Equal([("你好。", "chinese"), ("Hello.", "english"), ("再见。", "chinese")], document.Spans.Select(s => (s.Text, s.Language!)));
    }

    [Fact]
    public void The_rewrite_applies_to_text_as_written_not_to_say_as_or_sub()
    {
        var (document, _) = SsmlParser.Parse("<speak>ACME <sub alias=\"ACME\">A</sub> <say-as interpret-as=\"characters\">ACME</say-as></speak>", "english",
            text => text.Replace("ACME", "Acme Corp", StringComparison.Ordinal));

        Assert.Equal("Acme Corp ACME A C M E", document!.Spans[0].Text);
    }

    [Theory]
    [InlineData("<speak><p>Hi.</p></speak>", "SSML element <p> is not supported")]
    [InlineData("<speak><audio src=\"x.wav\"/></speak>", "SSML element <audio> is not supported")]
    [InlineData("<voice>Hi.</voice>", "the SSML root element must be <speak>, not <voice>")]
    [InlineData("<speak><speak>Hi.</speak></speak>", "SSML element <speak> is not supported")]
    [InlineData("<speak><break time=\"20s\"/></speak>", "break time \"20s\" is not valid")]
    [InlineData("<speak><break strength=\"huge\"/></speak>", "break strength \"huge\" is not valid")]
    [InlineData("<speak><say-as interpret-as=\"cardinal\" detail=\"1\">3</say-as></speak>", "SSML attribute detail on <say-as> is not supported")]
    [InlineData("<speak><say-as>3</say-as></speak>", "<say-as> needs interpret-as")]
    [InlineData("<speak><sub>W3C</sub></speak>", "<sub> needs an alias")]
    [InlineData("<speak><lang xml:lang=\"xx-YY\">Hi.</lang></speak>", "xml:lang \"xx-YY\" on <lang> is not a supported language")]
    [InlineData("<speak><lang>Hi.</lang></speak>", "<lang> needs xml:lang")]
    [InlineData("<speak foo=\"1\">Hi.</speak>", "SSML attribute foo on <speak> is not supported")]
    [InlineData("<speak>Hi.", "input is not well-formed SSML")]
    [InlineData("<speak>Tom &amp; Jerry &nbsp;</speak>", "undeclared entity 'nbsp'")]
    [InlineData("<speak><?php echo 1; ?>Hi.</speak>", "processing instructions")]
    public void Everything_else_is_refused_by_name(string ssml, string expected) =>
        Assert.Contains(expected, Problem(ssml), StringComparison.Ordinal);

    [Fact]
    public void A_dtd_and_its_entities_are_refused_and_never_expanded()
    {
        const string bomb = "<!DOCTYPE speak [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]><speak>&b;</speak>";
        const string external = "<!DOCTYPE speak [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><speak>&x;</speak>";

        Assert.Contains("DTD", Problem(bomb), StringComparison.Ordinal);
        Assert.Contains("DTD", Problem(external), StringComparison.Ordinal);
    }

    [Fact]
    public void Predefined_entities_and_cdata_are_text() =>
        Assert.Equal("Tom & Jerry <3", Parse("<speak>Tom &amp; Jerry <![CDATA[<3]]></speak>").Spans[0].Text);
}
