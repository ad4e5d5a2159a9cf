namespace QwenTts.Frontend.Text;

/// <summary>A segment to speak and the range of the caller's text it came from (UTF-16 offsets, end exclusive).</summary>
public sealed record TextSegment(string Text, int Start, int End);

/// <summary>
/// Normalises a text and cuts it into segments (<see cref="SentenceSegmenter"/>), keeping each segment's place in the
/// text as sent: the segmenter's pieces are runs of the normalised text in order, found again one after the other.
/// </summary>
public static class TextSegments
{
    public static IReadOnlyList<TextSegment> Split(string input, SentenceSegmenter segmenter, int offset = 0)
    {
        var normalized = TextNormalizer.NormalizeWithOffsets(input);
        var segments = new List<TextSegment>();
        var cursor = 0;
        foreach (var text in segmenter.Split(normalized.Text))
        {
            var at = normalized.Text.IndexOf(text, cursor, StringComparison.Ordinal);
            if (at < 0)
            {
                throw new InvalidOperationException($"segment '{text}' is not a run of the normalised text after offset {cursor}");
            }

            cursor = at + text.Length;
            var (start, end) = normalized.InputRange(at, cursor);
            segments.Add(new TextSegment(text, offset + start, offset + end));
        }

        return segments;
    }
}
