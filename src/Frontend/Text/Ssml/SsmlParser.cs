using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace QwenTts.Frontend.Text.Ssml;

/// <summary>
/// Reads the SSML subset this model can honour (it speaks plain text in a described voice, nothing else):
/// &lt;speak&gt;, &lt;break&gt;, &lt;prosody rate|pitch|volume&gt;, &lt;say-as&gt;, &lt;sub&gt; and &lt;lang&gt;. Every other element or
/// attribute, malformed XML, a DTD or an entity is a problem that names it: a document is never half-understood.
/// DTDs are prohibited at the reader, so no entity is ever expanded and nothing is ever fetched.
/// </summary>
public static class SsmlParser
{
    public const string Namespace = "http://www.w3.org/2001/10/synthesis";

    public static readonly string[] Elements = ["speak", "break", "prosody", "say-as", "sub", "lang"];

    /// <summary>xsi:schemaLocation, which SSML templates put on &lt;speak&gt;: a pointer for validators, nothing to speak.</summary>
    private static readonly XName SchemaLocation = XNamespace.Get("http://www.w3.org/2001/XMLSchema-instance") + "schemaLocation";

    /// <summary>
    /// The document's spans, or a problem. <paramref name="language"/> is the request's (canonical, may be auto: say-as
    /// then reads in the language detected from the document's text); <paramref name="rewrite"/> is applied to each
    /// text node as written (the tenant's lexicons), not to what say-as or sub produce.
    /// </summary>
    public static (SsmlDocument? Document, string? Problem) Parse(string ssml, string language, Func<string, string>? rewrite = null)
    {
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(new StringReader(ssml), new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
            });
            document = XDocument.Load(reader, LoadOptions.PreserveWhitespace);
        }
        catch (XmlException ex) when (ex.Message.Contains("DTD", StringComparison.Ordinal))
        {
            return (null, "input is SSML with a DTD (<!DOCTYPE>); DTDs and entity declarations are not allowed.");
        }
        catch (XmlException ex)
        {
            return (null, $"input is not well-formed SSML: {ex.Message}");
        }

        try
        {
            var root = document.Root!;
            if (root.Name.LocalName != "speak" || !InSsml(root))
            {
                throw new SsmlProblem($"the SSML root element must be <speak>, not <{root.Name.LocalName}>.");
            }

            var walker = new Walker(rewrite);
            var style = new Style(1.0, 0, 1.0, null);
            style = walker.LangOf(root, style, ["version"]);
            var detected = language == SupportedLanguages.Auto ? LanguageDetector.Detect(root.Value) : language;
            walker.Walk(root, style, style.Language ?? detected, detected);
            return (walker.Finish(), null);
        }
        catch (SsmlProblem problem)
        {
            return (null, problem.Message);
        }
    }

    private static bool InSsml(XElement element) => element.Name.NamespaceName is "" or Namespace;

    /// <summary>Rate and volume as multiples, pitch in semitones added, around the request's own.</summary>
    private sealed record Style(double Rate, double Pitch, double Volume, string? Language);

    private sealed class SsmlProblem(string message) : Exception(message);

    /// <summary>Walks the tree once, cutting a span at every break and wherever the prosody or language changes.</summary>
    private sealed class Walker(Func<string, string>? rewrite)
    {
        private readonly List<SsmlSpan> spans = [];
        private readonly StringBuilder text = new();
        private Style? current;
        private int? pause;

        public void Walk(XElement element, Style style, string sayAsLanguage, string detected)
        {
            foreach (var node in element.Nodes())
            {
                switch (node)
                {
                    case XText t:
                        Append(rewrite is null ? t.Value : rewrite(t.Value), style);
                        break;
                    case XElement child:
                        Element(child, style, sayAsLanguage, detected);
                        break;
                    case XProcessingInstruction pi:
                        throw new SsmlProblem($"SSML processing instructions (<?{pi.Target} ...?>) are not supported.");
                }
            }
        }

        private void Element(XElement child, Style style, string sayAsLanguage, string detected)
        {
            var name = child.Name.LocalName;
            if (!InSsml(child) || !Elements.Contains(name) || name == "speak")
            {
                throw new SsmlProblem($"SSML element <{child.Name.LocalName}> is not supported; this server takes {string.Join(", ", Elements.Select(e => $"<{e}>"))} (<speak> as the root only).");
            }

            switch (name)
            {
                case "break":
                    Attributes(child, "time", "strength");
                    if (child.Nodes().Any())
                    {
                        throw new SsmlProblem("SSML <break> must be empty.");
                    }

                    Break(child);
                    break;
                case "prosody":
                    Attributes(child, "rate", "pitch", "volume");
                    if (child.Attribute("rate") is null && child.Attribute("pitch") is null && child.Attribute("volume") is null)
                    {
                        throw new SsmlProblem("SSML <prosody> needs a rate, pitch or volume attribute.");
                    }

                    var prosody = style;
                    if (child.Attribute("rate")?.Value is { } rateText)
                    {
                        var rate = SsmlProsody.Rate(rateText)
                                   ?? throw new SsmlProblem($"prosody rate \"{rateText}\" is not valid; use {string.Join(", ", SsmlProsody.RateWords.Keys)}, a percent (\"80%\", \"+20%\", \"-20%\") or a multiple (\"1.5\").");
                        prosody = prosody with { Rate = prosody.Rate * rate };
                    }

                    if (child.Attribute("pitch")?.Value is { } pitchText)
                    {
                        var pitch = SsmlProsody.Pitch(pitchText)
                                    ?? throw new SsmlProblem($"prosody pitch \"{pitchText}\" is not valid; use {string.Join(", ", SsmlProsody.PitchWords.Keys)}, semitones (\"+2st\", \"-3st\") or a relative percent (\"+10%\"); Hz needs the voice's base pitch, which a designed voice does not have.");
                        prosody = prosody with { Pitch = prosody.Pitch + pitch };
                    }

                    if (child.Attribute("volume")?.Value is { } volumeText)
                    {
                        var volume = SsmlProsody.Volume(volumeText)
                                     ?? throw new SsmlProblem($"prosody volume \"{volumeText}\" is not valid; use {string.Join(", ", SsmlProsody.VolumeWords.Keys)}, decibels (\"+6dB\", \"-3dB\") or a percent (\"50%\", \"+20%\").");
                        prosody = prosody with { Volume = prosody.Volume * volume };
                    }

                    Walk(child, prosody, sayAsLanguage, detected);
                    break;
                case "say-as":
                    Attributes(child, "interpret-as", "format");
                    var kind = child.Attribute("interpret-as")?.Value
                               ?? throw new SsmlProblem($"SSML <say-as> needs interpret-as: one of {string.Join(", ", SayAs.Kinds)}.");
                    var (spoken, problem) = SayAs.Read(kind, child.Attribute("format")?.Value, TextOnly(child), sayAsLanguage);
                    Append(spoken ?? throw new SsmlProblem(problem!), style);
                    break;
                case "sub":
                    Attributes(child, "alias");
                    TextOnly(child);
                    Append(child.Attribute("alias")?.Value ?? throw new SsmlProblem("SSML <sub> needs an alias attribute: the text to speak."), style);
                    break;
                case "lang":
                    Attributes(child);
                    if (child.Attribute(XNamespace.Xml + "lang") is null)
                    {
                        throw new SsmlProblem("SSML <lang> needs xml:lang, e.g. <lang xml:lang=\"en-US\">.");
                    }

                    var inner = LangOf(child, style, []);
                    Walk(child, inner, inner.Language!, detected);
                    break;
            }
        }

        /// <summary>The style with xml:lang applied, checking the element has no attributes but those allowed (and xml:lang, xmlns).</summary>
        public Style LangOf(XElement element, Style style, string[] allowed)
        {
            Attributes(element, allowed);
            if (element.Attribute(XNamespace.Xml + "lang")?.Value is not { } tag)
            {
                return style;
            }

            var language = SupportedLanguages.Canonical(tag);
            return language is null or SupportedLanguages.Auto
                ? throw new SsmlProblem($"xml:lang \"{tag}\" on <{element.Name.LocalName}> is not a supported language; use {SupportedLanguages.Describe()}.")
                : style with { Language = language };
        }

        private void Break(XElement element)
        {
            int milliseconds;
            if (element.Attribute("time")?.Value is { } time)
            {
                milliseconds = SsmlProsody.BreakTime(time)
                               ?? throw new SsmlProblem($"break time \"{time}\" is not valid; use milliseconds or seconds up to {SsmlProsody.MaxBreakMilliseconds / 1000} s, e.g. \"500ms\" or \"2s\".");
            }
            else if (element.Attribute("strength")?.Value is { } strength)
            {
                milliseconds = SsmlProsody.Strengths.TryGetValue(strength, out var ms)
                    ? ms
                    : throw new SsmlProblem($"break strength \"{strength}\" is not valid; use one of: {string.Join(", ", SsmlProsody.Strengths.Keys)}.");
            }
            else
            {
                milliseconds = SsmlProsody.DefaultBreakMilliseconds;
            }

            Flush();
            pause = (pause ?? 0) + milliseconds;
        }

        private void Append(string value, Style style)
        {
            if (current is not null && current != style && !string.IsNullOrWhiteSpace(text.ToString()))
            {
                Flush();
            }

            if (string.IsNullOrWhiteSpace(value) && text.Length == 0)
            {
                return;
            }

            current = style;
            text.Append(value);
        }

        private void Flush()
        {
            var spoken = text.ToString().Trim();
            text.Clear();
            if (spoken.Length > 0)
            {
                spans.Add(new SsmlSpan(spoken, current!.Rate, current.Language, pause, current.Pitch, current.Volume));
                pause = null;
            }
        }

        public SsmlDocument Finish()
        {
            Flush();
            return new SsmlDocument(spans, pause ?? 0);
        }

        private static void Attributes(XElement element, params string[] allowed)
        {
            foreach (var attribute in element.Attributes())
            {
                if (attribute.IsNamespaceDeclaration || attribute.Name == XNamespace.Xml + "lang" && element.Name.LocalName is "speak" or "lang"
                    || attribute.Name == SchemaLocation && element.Name.LocalName == "speak"
                    || attribute.Name.NamespaceName == "" && allowed.Contains(attribute.Name.LocalName))
                {
                    continue;
                }

                throw new SsmlProblem($"SSML attribute {attribute.Name.LocalName} on <{element.Name.LocalName}> is not supported" +
                                      (allowed.Length > 0 ? $"; it takes {string.Join(", ", allowed)}." : "."));
            }
        }

        private static string TextOnly(XElement element) => element.Elements().FirstOrDefault() is { } nested
            ? throw new SsmlProblem($"SSML <{element.Name.LocalName}> takes text only, not <{nested.Name.LocalName}>.")
            : element.Value;
    }
}
