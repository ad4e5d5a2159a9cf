using QwenTts.Frontend.Speech;
using QwenTts.Frontend.Text;

namespace QwenTts.Frontend.UnitTests;

public sealed class TextSegmentsTests
{
    [Fact]
    public void Segments_name_their_range_of_the_text_as_sent_through_collapsed_spaces_removed_characters_and_nfc()
    {
        var input = "  Caf\u0065\u0301\u200B au\r\n lait.\u3000\u3000Second   sentence here!\t";
        var segments = TextSegments.Split(input, new SentenceSegmenter(targetSegment: 10, maxSegment: 60), offset: 100);

        Assert.Equal(["Café au lait.", "Second sentence here!"], segments.Select(s => s.Text));
        Assert.Equal("Cafe\u0301\u200B au\r\n lait.", input[(segments[0].Start - 100)..(segments[0].End - 100)]);
        Assert.Equal("Second   sentence here!", input[(segments[1].Start - 100)..(segments[1].End - 100)]);
        Assert.Equal(TextNormalizer.Normalize(input), TextNormalizer.NormalizeWithOffsets(input).Text);
    }

    [Fact]
    public void WebVtt_has_its_header_numbered_cues_with_millisecond_times_and_escaped_text()
    {
        var vtt = WebVtt.Write([new SegmentTimestamp("Fish & <chips> --> here", 0, 10, 0, 1.5), new SegmentTimestamp("Later.", 11, 17, 3661.25, 3662.0004)]);

        Assert.Equal("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\nFish &amp; &lt;chips&gt; --&gt; here\n\n2\n01:01:01.250 --> 01:01:02.000\nLater.\n", vtt);
    }
}
