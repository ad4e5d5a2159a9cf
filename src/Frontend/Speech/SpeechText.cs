using QwenTts.Audio.Effects;
using Microsoft.Extensions.Options;
using QwenTts.Frontend.Lexicons;
using QwenTts.Frontend.Problems;
using QwenTts.Frontend.Text;
using QwenTts.Frontend.Text.Lexicons;
using QwenTts.Frontend.Text.Ssml;
using QwenTts.Grains.Interfaces.Synthesis;
using QwenTts.Storage.Lexicons;
using QwenTts.Storage.Tenants;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// What a request's input says, ready for the cards: segments in order and, for SSML, each segment's speed, language and
/// the silence before it. <see cref="Characters"/> is what is billed: the characters spoken (markup removed, say-as
/// and sub written out, lexicons applied). <see cref="Spans"/>: each segment's range in the input, only where the
/// segments are runs of it (plain text without lexicons); SSML and lexicons rewrite the text, so they have none.
/// </summary>
public sealed record SpeechText(IReadOnlyList<string> Segments, string Language, int Characters, IReadOnlyList<SegmentStyle>? Styles = null,
    int TrailingPauseMilliseconds = 0, IReadOnlyList<TextSegment>? Spans = null);

/// <summary>
/// Turns a request's input (input_format text or ssml) and its lexicons into <see cref="SpeechText"/>, the same way for
/// /v1/audio/speech and jobs. Lexicons are read from PostgreSQL only when a request names them.
/// </summary>
public sealed class SpeechTextPlanner(SentenceSegmenter segmenter, LexiconStore lexicons, IOptions<LexiconLimits> limits)
{
    public static readonly string[] InputFormats = ["text", "ssml"];

    /// <summary>
    /// The request's text as segments; <paramref name="settings"/> gives the request's speed and language (auto is
    /// detected from the text). A problem names the field, element or lexicon at fault.
    /// </summary>
    public async Task<(SpeechText? Text, ApiProblem? Problem)> PlanAsync(SpeechRequest request, Tenant tenant, SpeechSettings settings,
        CancellationToken cancellationToken)
    {
        var format = (request.InputFormat ?? "text").ToLowerInvariant();
        if (!InputFormats.Contains(format))
        {
            return Fail($"input_format '{request.InputFormat}' is not supported; use text or ssml.");
        }

        var (matcher, lexiconProblem) = await MatcherAsync(request.Lexicons, tenant, cancellationToken);
        if (lexiconProblem is not null)
        {
            return Fail(lexiconProblem);
        }

        if (format == "text" && matcher.IsEmpty)
        {
            var plain = TextNormalizer.Normalize(request.Input!);
            var spans = TextSegments.Split(request.Input!, segmenter);
            return plain.Length == 0
                ? Fail("input contains no speakable characters after normalisation (only spaces or control characters).")
                : (new SpeechText([.. spans.Select(s => s.Text)], settings.LanguageFor(plain), plain.Length, Spans: spans), null);
        }

        if (format == "text")
        {
            var text = TextNormalizer.Normalize(matcher.Apply(TextNormalizer.Normalize(request.Input!)));
            return text.Length == 0
                ? Fail("input contains no speakable characters after normalisation (only spaces or control characters).")
                : (new SpeechText(segmenter.Split(text), settings.LanguageFor(text), text.Length), null);
        }

        var (document, problem) = SsmlParser.Parse(request.Input!, settings.Language, matcher.IsEmpty ? null : matcher.Apply);
        if (problem is not null)
        {
            return Fail(problem);
        }

        var language = settings.LanguageFor(TextNormalizer.Normalize(string.Join(" ", document!.Spans.Select(s => s.Text))));
        var segments = new List<string>();
        var styles = new List<SegmentStyle>();
        int? carried = null;
        foreach (var span in document.Spans)
        {
            var speed = settings.Speed * span.Rate;
            if (speed is < 0.25 or > 4.0)
            {
                return Fail($"prosody rate makes the speed of \"{Shorten(span.Text)}\" {speed:0.###} (speed {settings.Speed} x rate {span.Rate:0.###}); it must be between 0.25 and 4.0.");
            }

            var pitch = settings.Pitch + span.Pitch;
            var volume = settings.Volume * span.Volume;
            if (pitch is < SpeechControls.MinPitch or > SpeechControls.MaxPitch)
            {
                return Fail($"prosody pitch makes the pitch of \"{Shorten(span.Text)}\" {pitch:+0.##;-0.##;0} semitones (pitch {settings.Pitch} + {span.Pitch:0.##}); it must be between {SpeechControls.MinPitch} and {SpeechControls.MaxPitch}.");
            }

            if (volume is < SpeechControls.MinVolume or > SpeechControls.MaxVolume)
            {
                return Fail($"prosody volume makes the volume of \"{Shorten(span.Text)}\" {volume:0.###} (volume {settings.Volume} x {span.Volume:0.###}); it must be between {SpeechControls.MinVolume} and {SpeechControls.MaxVolume}.");
            }

            // A span with nothing speakable left passes its break on to the next one (or to the end).
            var pauseBefore = carried is null ? span.PauseBeforeMilliseconds : carried + (span.PauseBeforeMilliseconds ?? 0);
            var first = true;
            foreach (var segment in segmenter.Split(TextNormalizer.Normalize(span.Text)))
            {
                segments.Add(segment);
                styles.Add(new SegmentStyle(speed, span.Language ?? language, first ? pauseBefore : null, pitch, volume));
                first = false;
            }

            carried = first ? pauseBefore : null;
        }

        return segments.Count == 0
            ? Fail("the SSML document contains no text to speak.")
            : (new SpeechText(segments, language, segments.Sum(s => s.Length), styles, document.TrailingPauseMilliseconds + (carried ?? 0)), null);
    }

    /// <summary>The named lexicons' entries in the order named, or a problem naming the lexicon that is not the tenant's.</summary>
    private async Task<(LexiconMatcher Matcher, string? Problem)> MatcherAsync(string[]? names, Tenant tenant, CancellationToken cancellationToken)
    {
        var empty = new LexiconMatcher([]);
        if (names is null || names.Length == 0)
        {
            return (empty, null);
        }

        if (names.Any(string.IsNullOrWhiteSpace))
        {
            return (empty, "lexicons must be a list of lexicon names (see GET /v1/lexicons); an entry is empty.");
        }

        if (names.Length > limits.Value.MaxLexiconsPerRequest)
        {
            return (empty, $"lexicons names {names.Length} lexicons; a request may name at most {limits.Value.MaxLexiconsPerRequest}.");
        }

        var found = (await lexicons.GetManyAsync(tenant.Id, names, cancellationToken)).ToDictionary(l => l.Name, StringComparer.Ordinal);
        if (names.FirstOrDefault(n => !found.ContainsKey(n)) is { } missing)
        {
            return (empty, $"lexicons: '{missing}' is not one of your tenant's lexicons (see GET /v1/lexicons).");
        }

        return (new LexiconMatcher(names.SelectMany(n => found[n].Entries.Select(e => (e.Grapheme, e.Alias)))), null);
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static (SpeechText?, ApiProblem?) Fail(string detail) => (null, ApiProblem.BadRequest(detail));
}
