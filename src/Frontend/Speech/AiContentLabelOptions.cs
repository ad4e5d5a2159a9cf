using QwenTts.Audio;

namespace QwenTts.Frontend.Speech;

/// <summary>
/// The implicit AI-content label (GB 45438-2025) every file this service makes carries; bound from
/// <c>AiContentLabels</c>. ContentProducer is the service provider's name or code, as the provider registered it.
/// </summary>
public sealed class AiContentLabelOptions
{
    public const string Section = "AiContentLabels";

    public string ContentProducer { get; set; } = "QwenTts";

    /// <summary>The label of one piece of content: <paramref name="produceId"/> is unique to it (a request, a job, a session's sentence).</summary>
    public AiContentLabel For(string produceId) => new(ContentProducer, produceId);
}
