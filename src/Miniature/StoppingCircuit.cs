using QwenTts.Engine.Model;

namespace QwenTts.Miniature;

/// <summary>
/// Lets the miniature decide on its own when an utterance ends, through its weights alone (so every graph built from
/// them, the export's and the engine's own, agrees). Three residual channels are reserved: the codec embedding marks
/// generated frames (audio codes of codebook 0) in one and the codec pad, which the prompt puts under every content
/// token, in another. One KV head of layer 0 has zero keys, so it attends uniformly over everything so far and reads
/// (generated - ratio x content) / positions into the third channel, which no other layer writes. The codec head's
/// EOS row reads that channel: EOS becomes likely once the frames pass about <see cref="Settings.FramesPerToken"/>
/// per content token, and sampling (seeded) draws the exact frame, so lengths scatter around the text's length and
/// now and then run long. The real model does the same through attention over its prompt; this is its scale model.
/// </summary>
public sealed class StoppingCircuit(MiniatureSpec spec, ModelManifest manifest, StoppingCircuit.Settings settings)
{
    /// <param name="FramesPerToken">Where the EOS logit crosses zero margin: frames per content token (weighted by the norms).</param>
    /// <param name="Slope">Codec-head weight of the length channel: how sharply EOS rises past the crossing.</param>
    /// <param name="Bias">EOS logit bias (the head's bias): sets the stopping rate at the crossing.</param>
    public sealed record Settings(double FramesPerToken, float Slope, float Bias)
    {
        public const float Marker = 4f;
    }

    private readonly long _hidden = spec.Talker.Hidden;

    private long Generated => _hidden - 1;

    private long Content => _hidden - 2;

    private long Length => _hidden - 3;

    /// <summary>The KV head of layer 0 that counts; the query heads of its group read it.</summary>
    private long CountingKvHead => spec.Talker.KvHeads - 1;

    public Settings Values => settings;

    /// <summary>Edits a freshly drawn weight ("scope/name") in place.</summary>
    public void Shape(string key, float[] data, long[] dims)
    {
        var (scope, name) = (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]);
        switch (scope, name)
        {
            case (GraphNames.CodecEmbed, "codec_embedding.weight"):
                MarkCodecRows(data);
                break;
            case (GraphNames.CodePredictorEmbed, _):
                ClearColumns(data, dims[^1], Generated, Content, Length);
                break;
            case (GraphNames.TextProject, "text_projection.linear_fc2.weight" or "text_projection.linear_fc2.bias"):
                ClearColumns(data, dims[^1], Generated, Content, Length);
                break;
            case (Graphs.TalkerGraphs.WeightScope, _):
                ShapeTalker(name, data, dims);
                break;
        }
    }

    private void MarkCodecRows(float[] table)
    {
        var ids = manifest.CodecIds;
        for (long row = 0; row < manifest.Talker.CodecVocab; row++)
        {
            var at = row * _hidden;
            table[at + Generated] = row < manifest.Codec.CodebookSize ? Settings.Marker : 0;
            table[at + Content] = row == ids.Pad ? Settings.Marker : 0;
            table[at + Length] = 0;
        }
    }

    private void ShapeTalker(string name, float[] data, long[] dims)
    {
        var d = spec.Talker;
        var headDim = d.HeadDim;
        var groupSize = d.Heads / d.KvHeads;
        if (name == "codec_head.weight")
        {
            var vocab = dims[1];
            for (long column = 0; column < vocab; column++)
            {
                data[(Length * vocab) + column] = 0;
            }

            for (long row = 0; row < _hidden; row++)
            {
                data[(row * vocab) + manifest.CodecIds.Eos] = row == Length ? settings.Slope : 0;
            }

            return;
        }

        // No layer writes the reserved channels, except the counting head into the length channel.
        if (name.EndsWith(".o_proj.weight", StringComparison.Ordinal) || name.EndsWith(".mlp.down_proj.weight", StringComparison.Ordinal))
        {
            ClearColumns(data, dims[1], Generated, Content, Length);
        }

        if (!name.StartsWith("layers.0.", StringComparison.Ordinal))
        {
            return;
        }

        var first = CountingKvHead * headDim;
        if (name == "layers.0.k_proj.weight")
        {
            // Zero keys: every score is 0, so the head averages its values over all positions it may see.
            ClearColumns(data, dims[1], Enumerable.Range(0, (int)headDim).Select(i => first + i).ToArray());
        }
        else if (name == "layers.0.v_proj.weight")
        {
            var columns = dims[1];
            for (long row = 0; row < _hidden; row++)
            {
                for (long i = 0; i < headDim; i++)
                {
                    data[(row * columns) + first + i] = 0;
                }
            }

            data[(Generated * columns) + first] = 1;
            data[(Content * columns) + first] = (float)-settings.FramesPerToken;
        }
        else if (name == "layers.0.o_proj.weight")
        {
            var columns = dims[1];
            for (long head = CountingKvHead * groupSize; head < (CountingKvHead + 1) * groupSize; head++)
            {
                for (long i = 0; i < headDim; i++)
                {
                    for (long column = 0; column < columns; column++)
                    {
                        data[(((head * headDim) + i) * columns) + column] = 0;
                    }
                }

                data[(head * headDim * columns) + Length] = 1f / groupSize;
            }
        }
    }

    private static void ClearColumns(float[] data, long columns, params long[] clear)
    {
        for (long at = 0; at < data.Length; at += columns)
        {
            foreach (var column in clear)
            {
                data[at + column] = 0;
            }
        }
    }
}
