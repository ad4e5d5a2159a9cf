namespace QwenTts.Frontend.Text.Ssml;

/// <summary>
/// A stretch of an SSML document spoken alike: its text (markup removed, say-as and sub written out), its rate as a
/// multiple of the request's speed, its language (null: the request's), the silence before it from &lt;break&gt;s
/// (null: the usual pause between segments), its pitch in semitones added to the request's, and its volume as a
/// multiple of the request's.
/// </summary>
public sealed record SsmlSpan(string Text, double Rate, string? Language, int? PauseBeforeMilliseconds, double Pitch = 0, double Volume = 1);

/// <summary>A parsed document: its spans in order and the silence after the last one (breaks at the very end).</summary>
public sealed record SsmlDocument(IReadOnlyList<SsmlSpan> Spans, int TrailingPauseMilliseconds);
