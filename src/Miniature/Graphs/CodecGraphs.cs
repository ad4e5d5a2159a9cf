using QwenTts.Engine.Model;

namespace QwenTts.Miniature.Graphs;

/// <summary>
/// The 12 Hz speech tokenizer, scaled down. Decoding sums the 16 codebook embeddings of each frame, runs a causal
/// convolution over time (receptive field a few frames, inside the 25-frame left context, so chunked decoding equals
/// whole decoding exactly) and an MLP that emits 1920 samples a frame, clamped to [-1, 1] by tanh.
/// </summary>
public static class CodecGraphs
{
    public static OnnxGraphBuilder DecodeChunk(GraphContext c)
    {
        var codec = c.Manifest.Codec;
        var width = c.Spec.DecoderWidth;
        var kernel = c.Spec.DecoderKernel;
        var g = c.NewGraph(GraphNames.CodecDecodeChunk);
        var codes = g.Input("audio_codes", OnnxGraphBuilder.Int64, 1, "T", codec.Codebooks);
        var contextFrames = g.Input("context_frames", OnnxGraphBuilder.Int64);

        // Row of code k of codebook q in one stacked table: q * 2048 + k.
        var offsets = g.Int64Vector(Enumerable.Range(0, codec.Codebooks).Select(q => (long)q * codec.CodebookSize).ToArray());
        var table = g.RandomWeight("quantizer.codebooks", 1f, (long)codec.Codebooks * codec.CodebookSize, width);
        var embedded = g.Gather(table, g.Add(codes, offsets));                   // [1,T,16,W]
        var summed = g.Node("ReduceSum", [embedded, g.Int64Vector(2)],
            n => n.Attribute.Add(OnnxGraphBuilder.IntAttribute("keepdims", 0))); // [1,T,W]

        var channelsFirst = g.Transpose(summed, 0, 2, 1);                        // [1,W,T]
        var padded = g.Node("Pad", [channelsFirst, g.Int64Vector(0, 0, kernel - 1, 0, 0, 0)]);
        var convolved = g.Node("Conv", [padded, g.RandomWeight("pre_conv.weight", 1f / MathF.Sqrt(width * kernel), width, width, kernel),
            g.RandomWeight("pre_conv.bias", 0.02f, width)]);
        var hidden = g.Silu(g.Transpose(convolved, 0, 2, 1));                      // [1,T,W]
        hidden = g.Silu(g.Linear(hidden, "upsample.fc1", width, 4 * width, bias: true));
        var samples = g.Tanh(g.Linear(hidden, "upsample.fc2", 4 * width, codec.SamplesPerFrame, bias: true)); // [1,T,1920]
        var waveform = g.Reshape(samples, 1, -1);

        var start = g.Unsqueeze(g.Mul(contextFrames, g.Int64Scalar(codec.SamplesPerFrame)), 0);
        var fresh = g.Node("Slice", [waveform, start, g.Int64Vector(long.MaxValue), g.Int64Vector(1)]);
        g.Output(fresh, "audio_values", OnnxGraphBuilder.Float, 1, "N");
        g.Output(g.Node("Slice", [g.Node("Shape", [fresh]), g.Int64Vector(1), g.Int64Vector(2)]), "lengths", OnnxGraphBuilder.Int64, 1);
        return g;
    }

    /// <summary>audio [1,N] at 24 kHz -> codes [1,T,16], T = ceil(N/1920): a frame-wise projection and argmax per codebook.</summary>
    public static OnnxGraphBuilder Encode(GraphContext c)
    {
        var codec = c.Manifest.Codec;
        var g = c.NewGraph(GraphNames.CodecEncode);
        var audio = g.Input("audio", OnnxGraphBuilder.Float, 1, "N");

        var length = g.DimSize(audio, 1);
        var frame = g.Int64Scalar(codec.SamplesPerFrame);
        var missing = g.Node("Mod", [g.Sub(frame, g.Node("Mod", [length, frame])), frame]);
        var padded = g.Node("Pad", [audio, g.Concat(0, g.Int64Vector(0, 0, 0), g.Unsqueeze(missing, 0))]);
        var frames = g.Reshape(padded, 1, -1, codec.SamplesPerFrame);
        var features = g.Tanh(g.Linear(frames, "encoder.frame_proj", codec.SamplesPerFrame, 64, bias: true));
        var logits = g.Linear(features, "encoder.quantizer", 64, (long)codec.Codebooks * codec.CodebookSize, bias: false);
        var codes = g.Node("ArgMax", [g.Reshape(logits, 0, 0, codec.Codebooks, codec.CodebookSize)], n =>
        {
            n.Attribute.Add(OnnxGraphBuilder.IntAttribute("axis", 3));
            n.Attribute.Add(OnnxGraphBuilder.IntAttribute("keepdims", 0));
        });
        g.Output(codes, "codes", OnnxGraphBuilder.Int64, 1, "T", codec.Codebooks);
        return g;
    }

    /// <summary>mel [1,T,128] -> x-vector [1,H] of talker width: a frame projection, mean over time, projection.</summary>
    public static OnnxGraphBuilder SpeakerEncoder(GraphContext c)
    {
        var g = c.NewGraph(GraphNames.SpeakerEncoder);
        var mel = g.Input("mel", OnnxGraphBuilder.Float, 1, "T", c.Manifest.Codec.MelBins);
        var frames = g.Tanh(g.Linear(mel, "speaker.frame_proj", c.Manifest.Codec.MelBins, c.Spec.SpeakerWidth, bias: true));
        var pooled = g.Node("ReduceMean", [frames], n =>
        {
            n.Attribute.Add(OnnxGraphBuilder.IntsAttribute("axes", 1));
            n.Attribute.Add(OnnxGraphBuilder.IntAttribute("keepdims", 0));
        });
        var embedding = g.Linear(pooled, "speaker.out_proj", c.Spec.SpeakerWidth, c.Spec.Talker.Hidden, bias: true);
        g.Output(embedding, "speaker_embedding", OnnxGraphBuilder.Float, 1, c.Spec.Talker.Hidden);
        return g;
    }
}
