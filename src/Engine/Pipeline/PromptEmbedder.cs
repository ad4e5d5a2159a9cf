using QwenTts.Engine.Model;
using QwenTts.Engine.Prompt;

namespace QwenTts.Engine.Pipeline;

/// <summary>
/// Turns a <see cref="TalkerPrompt"/> into talker input rows: T(text) + C(codec) per position, with the x-vector in
/// the speaker slot and, for ICL, each reference frame as C(c0) + Σ cp_emb[j-1](c_j). Lookups are batched: one
/// text_project run, one codec_embed run, one code_predictor_embed run per codebook.
/// </summary>
/// <param name="halfSums">The talker takes fp16: each sum is rounded to fp16 (see <see cref="EmbeddingSum"/>).</param>
public sealed class PromptEmbedder(IEmbeddings embeddings, ModelManifest manifest, bool halfSums = false)
{
    private readonly int _hidden = manifest.Talker.Hidden;

    public float[] Embed(TalkerPrompt prompt, VoicePrompt voice)
    {
        var rows = prompt.Length;
        var result = new float[rows * _hidden];

        AddLookups(result, prompt, p => p.TextId >= 0, p => p.TextId, embeddings.Text);
        AddLookups(result, prompt, p => p.Codec == CodecSlot.Token, p => p.CodecValue, embeddings.Codec);

        for (var row = 0; row < rows; row++)
        {
            if (prompt.Positions[row].Codec == CodecSlot.SpeakerVector)
            {
                var speaker = (voice as VoicePrompt.Cloned)?.SpeakerEmbedding
                    ?? throw new ArgumentException("The prompt has a speaker slot but the voice has no x-vector.", nameof(voice));
                if (speaker.Length != _hidden)
                {
                    throw new ArgumentException($"The speaker embedding has {speaker.Length} values; this talker is {_hidden} wide.", nameof(voice));
                }

                Add(result, row, speaker, 0);
            }
        }

        AddReferenceFrames(result, prompt, voice);
        return result;
    }

    private void AddReferenceFrames(float[] result, TalkerPrompt prompt, VoicePrompt voice)
    {
        var rows = Enumerable.Range(0, prompt.Length).Where(r => prompt.Positions[r].Codec == CodecSlot.ReferenceFrame).ToArray();
        if (rows.Length == 0)
        {
            return;
        }

        var codes = (voice as VoicePrompt.Cloned)?.ReferenceCodes
            ?? throw new ArgumentException("The prompt has reference frames but the voice has no reference codes.", nameof(voice));
        var codebooks = manifest.Codec.Codebooks;
        var frames = rows.Select(r => prompt.Positions[r].CodecValue).ToArray();
        var scratch = new float[rows.Length * _hidden];
        for (var codebook = 0; codebook < codebooks; codebook++)
        {
            var ids = frames.Select(f => (int)codes[(f * codebooks) + codebook]).ToArray();
            if (codebook == 0)
            {
                embeddings.Codec(ids, scratch, 0);
            }
            else
            {
                embeddings.PredictorCodes(ids, codebook - 1, scratch, 0);
            }

            for (var i = 0; i < rows.Length; i++)
            {
                Add(result, rows[i], scratch, i * _hidden);
            }
        }
    }

    private void AddLookups(float[] result, TalkerPrompt prompt, Func<PromptPosition, bool> selects, Func<PromptPosition, int> id,
        Action<IReadOnlyList<int>, float[], int> lookup)
    {
        var rows = Enumerable.Range(0, prompt.Length).Where(r => selects(prompt.Positions[r])).ToArray();
        if (rows.Length == 0)
        {
            return;
        }

        var looked = new float[rows.Length * _hidden];
        lookup(rows.Select(r => id(prompt.Positions[r])).ToArray(), looked, 0);
        for (var i = 0; i < rows.Length; i++)
        {
            Add(result, rows[i], looked, i * _hidden);
        }
    }

    private void Add(float[] result, int row, float[] source, int offset) =>
        EmbeddingSum.Add(result.AsSpan(row * _hidden, _hidden), source.AsSpan(offset, _hidden), halfSums);
}
