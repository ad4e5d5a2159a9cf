using System.Text;
using System.Text.Json;
using QwenTts.Audio;

namespace QwenTts.Frontend.UnitTests;

/// <summary>The GB 45438-2025 implicit label's value and how the containers without a codec library's help carry it (ffprobe reads them in the functional tests).</summary>
public sealed class AiContentLabelTests
{
    private static readonly AiContentLabel Label = new("QwenTts", "speech_0123");

    [Fact]
    public void The_value_has_the_standards_fields_in_its_order()
    {
        var json = Label.ToJson();

        Assert.Equal("""{"Label":"1","ContentProducer":"QwenTts","ProduceID":"speech_0123","ReservedCode1":"","ContentPropagator":"","PropagateID":"","ReservedCode2":""}""", json);
        Assert.Equal("1", JsonDocument.Parse(json).RootElement.GetProperty("Label").GetString());
    }

    [Fact]
    public void A_labelled_wav_header_keeps_its_length_when_the_sizes_are_filled_in_and_still_reads_as_the_same_samples()
    {
        float[] samples = [0.5f, -0.5f, 0.25f];

        var open = WavFormat.Header(16000, label: Label);
        var closed = WavFormat.Header(16000, samples.Length, label: Label);
        var (read, rate, _) = WavFormat.Read([.. closed, .. WavFormat.Pcm16(samples)]);

        Assert.Equal(open.Length, closed.Length);
        Assert.Equal(0, open.Length % 2);
        Assert.Contains("LIST", Encoding.ASCII.GetString(open), StringComparison.Ordinal);
        Assert.Equal(16000, rate);
        Assert.Equal(samples.Length, read.Length);
        Assert.Equal(closed.Length - 8 + 6, BitConverter.ToInt32(closed, 4)); // RIFF size: the whole file but its first 8 bytes
    }

    [Fact]
    public void The_id3_tag_is_a_v2_4_tag_with_one_TXXX_frame()
    {
        var tag = Id3Tag.UserText(AiContentLabel.Key, Label.ToJson());
        var text = Encoding.UTF8.GetString(tag);

        Assert.Equal("ID3"u8.ToArray().Concat(new byte[] { 4, 0, 0 }), tag[..6]);
        Assert.Equal(tag.Length - 10, (tag[6] << 21) | (tag[7] << 14) | (tag[8] << 7) | tag[9]);
        Assert.Contains("TXXX", text, StringComparison.Ordinal);
        Assert.EndsWith("AIGC\0" + Label.ToJson(), text, StringComparison.Ordinal);
    }
}
