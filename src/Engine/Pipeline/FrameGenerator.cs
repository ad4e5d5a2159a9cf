using QwenTts.Engine.Model;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// The decode loop of Qwen3-TTS-12Hz for one utterance on its own (batch 1): the prompt's prefill, then per frame the
/// talker step and the 15 predictor steps, each drawn by the utterance's <see cref="FrameDecoder"/>. Stops at EOS (not
/// emitted) or the cap. Resuming: frames already generated elsewhere (same seed and prompt) are fed through the talker
/// as they were, not sampled and not emitted, at the cost of one talker step a frame.
/// </summary>
/// <param name="halfSums">The talker takes fp16: round each embedding sum to fp16, as the reference runtime does.</param>
public sealed class FrameGenerator(ITalker talker, ICodePredictor predictor, IEmbeddings embeddings, ModelManifest manifest,
    SamplingOptions sampling, Xoshiro256 random, bool halfSums = false)
{
    /// <param name="prompt">Prompt embeddings, <paramref name="rows"/> rows of hidden width.</param>
    /// <param name="trailing">Text-track rows added to successive frames (streaming-text mode); then tts_pad.</param>
    /// <param name="ttsPad">The tts_pad text embedding.</param>
    /// <param name="resumeFrames">Frames this utterance already has (none for a fresh one): replayed, not yielded.</param>
    /// <param name="frameMade">Called as each new frame is made (<see cref="SynthesisRequest.FrameMade"/>).</param>
    public IEnumerable<int[]> Generate(float[] prompt, int rows, float[] trailing, int trailingRows, float[] ttsPad,
        int frameLimit, CancellationToken cancellationToken, IReadOnlyList<int[]>? resumeFrames = null, Action? frameMade = null) =>
        Run(new FrameDecoder(embeddings, manifest, sampling, random, halfSums, trailing, trailingRows, ttsPad, frameLimit, resumeFrames) { FrameMade = frameMade },
            prompt, rows, cancellationToken);

    private IEnumerable<int[]> Run(FrameDecoder decoder, float[] prompt, int rows, CancellationToken cancellationToken)
    {
        using (EngineTracing.StartPrefill(rows))
        {
            talker.Prefill(prompt, rows, decoder.TalkerLogits, decoder.TalkerHidden);
        }

        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!decoder.BeginFrame())
            {
                yield break;
            }

            for (var codebook = 1; codebook < decoder.Codebooks; codebook++)
            {
                if (!decoder.Replaying)
                {
                    predictor.Logits(decoder.Context, codebook + 1, codebook - 1, decoder.PredictorLogits);
                }

                decoder.TakeCode(codebook);
            }

            var (codes, more) = decoder.EndFrame();
            if (codes is not null)
            {
                yield return codes;
            }

            if (!more)
            {
                yield break;
            }

            talker.Decode(decoder.NextInput, decoder.TalkerLogits, decoder.TalkerHidden);
        }
    }
}
