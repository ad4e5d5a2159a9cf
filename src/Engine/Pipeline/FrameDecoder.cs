using QwenTts.Engine.Model;
using QwenTts.Engine.Runtime;
using QwenTts.Engine.Sampling;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// One utterance's decode state of Qwen3-TTS-12Hz, a frame at a time, for whoever runs its talker and predictor: the
/// frame generator (batch 1, on the utterance's thread) or a decode lane (this utterance as one row of a batched run).
/// Per frame: the talker's logits and hidden state go into <see cref="TalkerLogits"/> / <see cref="TalkerHidden"/>;
/// <see cref="BeginFrame"/> draws c0 (repetition penalty over past c0, EOS masked for the first steps, 2048..3071
/// suppressed except EOS, temperature / top-k / top-p) and lays out the predictor context [h_talker, C(c0)];
/// for codebooks 1..15 the predictor's logits go into <see cref="PredictorLogits"/> and <see cref="TakeCode"/> draws
/// c_j and appends its embedding; <see cref="EndFrame"/> gives the frame and sums the next talker input
/// (C(c0) + Σ cp_emb[j-1](c_j) + the text-track term) into <see cref="NextInput"/>. Every logits row is checked: NaN
/// or inf fails the utterance naming the graph and step. Frames to resume from are taken as they were: not sampled,
/// not yielded, their draws skipped, and the predictor does not run for them (<see cref="Replaying"/>), so the frames
/// after them are the ones an uninterrupted run would have made. The draws happen in the same order whoever drives it.
/// </summary>
/// <param name="halfSums">The talker takes fp16: round each embedding sum to fp16, as the reference runtime does.</param>
public sealed class FrameDecoder
{
    private readonly IEmbeddings _embeddings;
    private readonly ModelManifest _manifest;
    private readonly SamplingOptions _sampling;
    private readonly Xoshiro256 _random;
    private readonly bool _halfSums;
    private readonly float[] _trailing;
    private readonly int _trailingRows;
    private readonly float[] _ttsPad;
    private readonly IReadOnlyList<int[]> _known;
    private readonly TokenSampler _sampler = new();
    private readonly HashSet<int> _pastC0 = [];
    private readonly int[] _c0Ids = new int[1];
    private readonly int _hidden;
    private readonly int _vocab;
    private readonly int _eos;
    private int[]? _codes;

    /// <param name="trailing">Text-track rows added to successive frames (streaming-text mode); then tts_pad.</param>
    /// <param name="ttsPad">The tts_pad text embedding.</param>
    /// <param name="known">Frames this utterance already has (none for a fresh one): replayed, not yielded.</param>
    public FrameDecoder(IEmbeddings embeddings, ModelManifest manifest, SamplingOptions sampling, Xoshiro256 random, bool halfSums,
        float[] trailing, int trailingRows, float[] ttsPad, int frameLimit, IReadOnlyList<int[]>? known = null)
    {
        (_embeddings, _manifest, _sampling, _random, _halfSums) = (embeddings, manifest, sampling, random, halfSums);
        (_trailing, _trailingRows, _ttsPad, FrameLimit) = (trailing, trailingRows, ttsPad, frameLimit);
        _known = known ?? [];
        _hidden = manifest.Talker.Hidden;
        _vocab = manifest.Talker.CodecVocab;
        _eos = manifest.CodecIds.Eos;
        Codebooks = manifest.Codec.Codebooks;
        ValidateKnown(_known);
        TalkerLogits = new float[_vocab];
        TalkerHidden = new float[_hidden];
        Context = new float[(Codebooks + 1) * _hidden];
        NextInput = new float[_hidden];
        PredictorLogits = new float[manifest.Codec.CodebookSize];
    }

    public int FrameLimit { get; }

    /// <summary>Called as each new frame is complete (not a replayed one), on the thread that makes it: see <see cref="SynthesisRequest.FrameMade"/>.</summary>
    public Action? FrameMade { get; init; }

    public int Codebooks { get; }

    /// <summary>The frame under way (0-based), counting replayed frames.</summary>
    public int Step { get; private set; }

    /// <summary>Frames given back to replay before new ones are drawn.</summary>
    public int KnownFrames => _known.Count;

    /// <summary>The frame under way is a known one: no predictor runs for it.</summary>
    public bool Replaying => Step < _known.Count;

    /// <summary>Where the talker writes its logits (prefill and each decode step).</summary>
    public float[] TalkerLogits { get; }

    /// <summary>Where the talker writes its last hidden state.</summary>
    public float[] TalkerHidden { get; }

    /// <summary>The predictor's context rows [h, c0, c1, ..]: its input.</summary>
    public float[] Context { get; }

    /// <summary>Where the predictor writes the logits of the next codebook.</summary>
    public float[] PredictorLogits { get; }

    /// <summary>The next talker step's input row, once <see cref="EndFrame"/> said there is one.</summary>
    public float[] NextInput { get; }

    /// <summary>
    /// Starts frame <see cref="Step"/> from the talker's output: draws c0 (or takes the known one). False: EOS or the frame
    /// limit, the utterance is done.
    /// </summary>
    public bool BeginFrame()
    {
        NonFiniteOutputException.ThrowIfAny(TalkerLogits, Step == 0 ? GraphNames.TalkerPrefill : GraphNames.TalkerDecode, Step, "logits");
        if (Step >= FrameLimit)
        {
            return false;
        }

        var replay = Replaying ? _known[Step] : null;
        int c0;
        if (replay is null)
        {
            c0 = SampleFirstCode();
        }
        else
        {
            c0 = replay[0];
            TokenSampler.SkipDraw(_sampling.DoSample, _random);
        }

        if (c0 == _eos)
        {
            return false;
        }

        _pastC0.Add(c0);
        _codes = replay ?? new int[Codebooks];
        if (replay is null)
        {
            _codes[0] = c0;
        }
        Array.Copy(TalkerHidden, 0, Context, 0, _hidden);
        _c0Ids[0] = c0;
        _embeddings.Codec(_c0Ids, Context, _hidden);
        Array.Copy(Context, _hidden, NextInput, 0, _hidden);
        return true;
    }

    /// <summary>
    /// Codebook <paramref name="codebook"/> (1..15) of the frame: drawn from <see cref="PredictorLogits"/> (the predictor
    /// ran on <see cref="Context"/>'s first <paramref name="codebook"/> + 1 rows, gen_step <paramref name="codebook"/> - 1),
    /// or the known code of a replayed frame; its embedding joins the context and the next input.
    /// </summary>
    public void TakeCode(int codebook)
    {
        int code;
        if (!Replaying)
        {
            NonFiniteOutputException.ThrowIfAny(PredictorLogits, GraphNames.CodePredictor, Step, $"logits of codebook {codebook}");
            code = _sampler.Sample(PredictorLogits, _sampling.SubtalkerDoSample, _sampling.SubtalkerTemperature,
                _sampling.SubtalkerTopK, _sampling.SubtalkerTopP, _random);
            _codes![codebook] = code;
        }
        else
        {
            code = _codes![codebook];
            TokenSampler.SkipDraw(_sampling.SubtalkerDoSample, _random);
        }

        _embeddings.PredictorCode(code, codebook - 1, Context, (codebook + 1) * _hidden);
        Accumulate(NextInput, Context, (codebook + 1) * _hidden);
    }

    /// <summary>
    /// Ends the frame: its codes (null for a replayed frame, already had), and whether a talker step on
    /// <see cref="NextInput"/> comes next (false at the frame limit).
    /// </summary>
    public (int[]? Codes, bool More) EndFrame()
    {
        var codes = Replaying ? null : _codes;
        if (codes is not null)
        {
            FrameMade?.Invoke();
        }

        var step = Step++;
        if (Step >= FrameLimit)
        {
            return (codes, false);
        }

        if (step < _trailingRows)
        {
            Accumulate(NextInput, _trailing, step * _hidden);
        }
        else
        {
            Accumulate(NextInput, _ttsPad, 0);
        }

        return (codes, true);
    }

    /// <summary>Frames to resume from must be whole frames of valid codes: c0 a codec code (not EOS), c1..c15 within the codebook.</summary>
    private void ValidateKnown(IReadOnlyList<int[]> known)
    {
        var codebookSize = _manifest.Codec.CodebookSize;
        for (var i = 0; i < known.Count; i++)
        {
            var frame = known[i];
            if (frame.Length != Codebooks || frame[0] < 0 || frame[0] >= _vocab - 1024 || frame.Skip(1).Any(c => c < 0 || c >= codebookSize))
            {
                throw new ArgumentException($"Frame {i} to resume from is not a frame of {Codebooks} valid codes.");
            }
        }
    }

    /// <summary>Processors in the official order, then the draw.</summary>
    private int SampleFirstCode()
    {
        LogitsProcessor.ApplyRepetitionPenalty(TalkerLogits, _pastC0, _sampling.RepetitionPenalty);
        LogitsProcessor.MaskEosBeforeMinimum(TalkerLogits, Step, _sampling.MinNewTokens, _eos);
        LogitsProcessor.Suppress(TalkerLogits, _vocab - 1024, _vocab, _eos);
        return _sampler.Sample(TalkerLogits, _sampling.DoSample, _sampling.Temperature, _sampling.TopK, _sampling.TopP, _random);
    }

    private void Accumulate(float[] target, float[] source, int offset) =>
        EmbeddingSum.Add(target.AsSpan(0, _hidden), source.AsSpan(offset, _hidden), _halfSums);
}
