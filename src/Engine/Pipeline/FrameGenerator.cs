using QwenTts.Engine.Model;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// The decode loop of Qwen3-TTS-12Hz. Per frame: c0 from the talker's logits (repetition penalty over past c0, EOS
/// masked for the first steps, 2048..3071 suppressed except EOS, temperature / top-k / top-p); c1..c15 from the code
/// predictor, whose context starts afresh each frame as [h_talker, C(c0)] and grows by the embedding of each code;
/// the next talker input is C(c0) + Σ cp_emb[j-1](c_j) + the text-track term. Stops at EOS (not emitted) or the cap.
/// Every logits row is checked: NaN or inf fails the utterance naming the graph and step (never noise from garbage).
/// Resuming: frames already generated elsewhere (same seed and prompt) are fed through the talker as they were, not
/// sampled and not emitted; the predictor does not run for them, and their draws are skipped, so the frames after them
/// are the ones an uninterrupted run would have made, at the cost of one talker step a frame.
/// </summary>
/// <param name="halfSums">The talker takes fp16: round each embedding sum to fp16, as the reference runtime does.</param>
public sealed class FrameGenerator(ITalker talker, ICodePredictor predictor, IEmbeddings embeddings, ModelManifest manifest,
    SamplingOptions sampling, Xoshiro256 random, bool halfSums = false)
{
    private readonly TokenSampler _sampler = new();
    private readonly int _hidden = manifest.Talker.Hidden;
    private readonly int _vocab = manifest.Talker.CodecVocab;
    private readonly int _codebooks = manifest.Codec.Codebooks;
    private readonly int _eos = manifest.CodecIds.Eos;

    /// <param name="prompt">Prompt embeddings, <paramref name="rows"/> rows of hidden width.</param>
    /// <param name="trailing">Text-track rows added to successive frames (streaming-text mode); then tts_pad.</param>
    /// <param name="ttsPad">The tts_pad text embedding.</param>
    /// <param name="resumeFrames">Frames this utterance already has (none for a fresh one): replayed, not yielded.</param>
    public IEnumerable<int[]> Generate(float[] prompt, int rows, float[] trailing, int trailingRows, float[] ttsPad,
        int frameLimit, CancellationToken cancellationToken, IReadOnlyList<int[]>? resumeFrames = null)
    {
        var known = resumeFrames ?? [];
        ValidateKnown(known);
        var logits = new float[_vocab];
        var hidden = new float[_hidden];
        var context = new float[(_codebooks + 1) * _hidden];
        var frameEmbed = new float[_hidden];
        var predictorLogits = new float[manifest.Codec.CodebookSize];
        var pastC0 = new HashSet<int>();
        var c0Ids = new int[1];

        using (EngineTracing.StartPrefill(rows))
        {
            talker.Prefill(prompt, rows, logits, hidden);
        }

        NonFiniteOutputException.ThrowIfAny(logits, GraphNames.TalkerPrefill, 0, "logits");
        for (var step = 0; step < frameLimit; step++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var replay = step < known.Count ? known[step] : null;
            int c0;
            if (replay is null)
            {
                c0 = SampleFirstCode(logits, pastC0, step);
            }
            else
            {
                c0 = replay[0];
                TokenSampler.SkipDraw(sampling.DoSample, random);
            }

            if (c0 == _eos)
            {
                yield break;
            }

            pastC0.Add(c0);
            var codes = replay ?? new int[_codebooks];
            if (replay is null)
            {
                codes[0] = c0;
            }

            Array.Copy(hidden, 0, context, 0, _hidden);
            c0Ids[0] = c0;
            embeddings.Codec(c0Ids, context, _hidden);
            Array.Copy(context, _hidden, frameEmbed, 0, _hidden);
            for (var j = 1; j < _codebooks; j++)
            {
                int code;
                if (replay is null)
                {
                    predictor.Logits(context, j + 1, j - 1, predictorLogits);
                    NonFiniteOutputException.ThrowIfAny(predictorLogits, GraphNames.CodePredictor, step, $"logits of codebook {j}");
                    code = _sampler.Sample(predictorLogits, sampling.SubtalkerDoSample, sampling.SubtalkerTemperature,
                        sampling.SubtalkerTopK, sampling.SubtalkerTopP, random);
                    codes[j] = code;
                }
                else
                {
                    code = replay[j];
                    TokenSampler.SkipDraw(sampling.SubtalkerDoSample, random);
                }

                embeddings.PredictorCode(code, j - 1, context, (j + 1) * _hidden);
                Accumulate(frameEmbed, context, (j + 1) * _hidden);
            }

            if (replay is null)
            {
                yield return codes;
            }

            if (step + 1 >= frameLimit)
            {
                yield break;
            }

            if (step < trailingRows)
            {
                Accumulate(frameEmbed, trailing, step * _hidden);
            }
            else
            {
                Accumulate(frameEmbed, ttsPad, 0);
            }

            talker.Decode(frameEmbed, logits, hidden);
            NonFiniteOutputException.ThrowIfAny(logits, GraphNames.TalkerDecode, step + 1, "logits");
        }
    }

    /// <summary>Frames to resume from must be whole frames of valid codes: c0 a codec code (not EOS), c1..c15 within the codebook.</summary>
    private void ValidateKnown(IReadOnlyList<int[]> known)
    {
        var codebookSize = manifest.Codec.CodebookSize;
        for (var i = 0; i < known.Count; i++)
        {
            var frame = known[i];
            if (frame.Length != _codebooks || frame[0] < 0 || frame[0] >= _vocab - 1024 || frame.Skip(1).Any(c => c < 0 || c >= codebookSize))
            {
                throw new ArgumentException($"Frame {i} to resume from is not a frame of {_codebooks} valid codes.");
            }
        }
    }

    /// <summary>Processors in the official order, then the draw.</summary>
    private int SampleFirstCode(float[] logits, HashSet<int> pastC0, int generated)
    {
        LogitsProcessor.ApplyRepetitionPenalty(logits, pastC0, sampling.RepetitionPenalty);
        LogitsProcessor.MaskEosBeforeMinimum(logits, generated, sampling.MinNewTokens, _eos);
        LogitsProcessor.Suppress(logits, _vocab - 1024, _vocab, _eos);
        return _sampler.Sample(logits, sampling.DoSample, sampling.Temperature, sampling.TopK, sampling.TopP, random);
    }

    private void Accumulate(float[] target, float[] source, int offset) =>
        EmbeddingSum.Add(target.AsSpan(0, _hidden), source.AsSpan(offset, _hidden), halfSums);
}
