namespace QwenTts.Frontend.Voices;

/// <summary>Custom voices; bound from <c>Voices</c>.</summary>
public sealed class VoiceOptions
{
    public const string Section = "Voices";

    /// <summary>
    /// The least cosine between the speaker embeddings of a consent recording and an audio_sample for a voice to be made
    /// from the sample. 0.5 by default: x-vector speaker encoders trained for verification put the point where false
    /// accepts and false rejects are equal at a cosine of about 0.25 to 0.35, and the same speaker across sessions scores
    /// about 0.6 to 0.8. Consent guards against cloning someone else, so the default sits above that point, refusing an
    /// impostor more readily than it accepts a genuine speaker recorded in other conditions. The Base model's encoder was
    /// trained for synthesis, not verification, and no figure here was measured on it: check <c>consent_similarity</c> of
    /// your own genuine pairs with the real weights and set this from them.
    /// </summary>
    public double ConsentMinSimilarity { get; set; } = 0.5;

    public bool IsValid => ConsentMinSimilarity is > -1 and <= 1;
}
